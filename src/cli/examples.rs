//! What each command's manual says beyond its options: a description
//! and examples, kept next to the definitions so that the man pages and
//! `--help` show the same text (`docs.rs` renders them; a test parses
//! every example with the real definitions).

/// The manual of one command.
pub(crate) struct Page {
    /// The command's words after `berth` (`""` for berth itself,
    /// `"image ls"`).
    pub path: &'static str,
    /// Paragraphs, separated by blank lines; plain text.
    pub description: &'static str,
    /// (what it does, the command line), each line one `berth` command.
    pub examples: &'static [(&'static str, &'static str)],
}

/// What the manual of the command at `path` says: its page, or for a
/// second name of a command the page of that command; the description
/// names the command's other name.
pub(crate) fn page(path: &str) -> Option<(String, &'static Page)> {
    let (own, other) = match ALIASES.iter().find(|(alias, _)| *alias == path) {
        Some(&(_, target)) => (target, Some(target)),
        None => (
            path,
            ALIASES.iter().find(|(_, t)| *t == path).map(|&(a, _)| a),
        ),
    };
    let p = PAGES.iter().find(|p| p.path == own)?;
    let mut description = p.description.to_string();
    if let Some(o) = other {
        description.push_str(&format!("\n\nThe same command as berth {o}."));
    }
    Some((description, p))
}

/// Commands that are another under a second name (`container run` is
/// `run`): each shows the page of the other.
pub(crate) const ALIASES: &[(&str, &str)] = &[
    ("container attach", "attach"),
    ("container commit", "commit"),
    ("container cp", "cp"),
    ("container create", "create"),
    ("container diff", "diff"),
    ("container exec", "exec"),
    ("container export", "export"),
    ("container kill", "kill"),
    ("container logs", "logs"),
    ("container ls", "ps"),
    ("container mount", "mount"),
    ("container port", "port"),
    ("container rename", "rename"),
    ("container restart", "restart"),
    ("container rm", "rm"),
    ("container run", "run"),
    ("container start", "start"),
    ("container stop", "stop"),
    ("container unmount", "unmount"),
    ("container wait", "wait"),
    ("image build", "build"),
    ("image explore", "explore"),
    ("image history", "history"),
    ("image import", "import"),
    ("image load", "load"),
    ("image ls", "images"),
    ("image rm", "rmi"),
    ("image save", "save"),
    ("image tag", "tag"),
    ("image untag", "untag"),
    ("system events", "events"),
    ("system info", "info"),
];

pub(crate) const PAGES: &[Page] = &[
    Page {
        path: "",
        description: "berth pulls, builds, runs and pushes OCI and Docker images. Each command \
                      does all of its work in its own process over a local content-addressed \
                      store; there is no daemon, and root is not needed.\n\n\
                      berth takes Podman's flags, exit codes and --format fields, so that scripts \
                      written for Podman run unchanged. An error of berth itself exits with 125.\n\n\
                      The store (images, layers, containers, volumes) is where --root or \
                      BERTH_ROOT says, and runtime state (mounts, running containers) where \
                      --runroot or BERTH_RUNROOT says. These options, like --log-level (how much \
                      is reported on standard error), --out (berth's standard output to a file) \
                      and --noout (no standard output at all; the output of containers still \
                      shows), are taken by every command.",
        examples: &[
            (
                "Run a command in a new container, removed when it exits",
                "berth run --rm docker.io/library/alpine echo hello",
            ),
            ("List the images in local storage", "berth images"),
            (
                "Pull an image, reporting every step on standard error",
                "berth --log-level debug pull docker.io/library/alpine",
            ),
            ("List the images of a store kept in another directory", "berth --root ./store images"),
        ],
    },
    Page {
        path: "attach",
        description: "Attach to a running container: to its terminal when it was started with a \
                      pseudo-terminal (run -dt or -dit), else to its output from now on. Standard \
                      input goes to the container unless --no-stdin is given.\n\n\
                      berth attach returns when the container's program exits, with its exit \
                      code, or exits 0 when the detach keys are typed (ctrl-p,ctrl-q unless \
                      --detach-keys says otherwise), leaving the container running. --sig-proxy \
                      is taken for Podman's scripts: berth forwards no signals, and ctrl-c in a \
                      terminal reaches the container as a key.",
        examples: &[
            ("Attach to the terminal of a container started with run -dit", "berth attach web"),
            (
                "Attach, with ctrl-x as the key that detaches",
                "berth attach --detach-keys ctrl-x web",
            ),
            (
                "Follow a container's output without sending it any input",
                "berth attach --no-stdin web",
            ),
        ],
    },
    Page {
        path: "build",
        description: "Build an image from a Dockerfile (or Containerfile) and a build context, as \
                      podman build does, and print the new image's ID. The context is a directory \
                      (the current one by default), - for a tar of the context or a Dockerfile on \
                      standard input, the URL of either, or a git repository. BuildKit's syntax \
                      is understood: multi-stage builds, heredocs, RUN --mount and COPY --from \
                      among others.\n\n\
                      Each RUN instruction runs in a container, with outbound network access \
                      unless --network says otherwise. Every instruction makes a layer, and steps \
                      are cached: --no-cache runs them again, --layers=false makes one layer of \
                      what the build adds, --squash and --squash-all flatten the image. A name \
                      given with -t without a registry is local (localhost/NAME:TAG).\n\n\
                      --secret and --ssh lend RUN --mount=type=secret and type=ssh a file, an \
                      environment variable or an SSH agent for the step alone: nothing of them \
                      is kept in a layer, the history, the cache or a message.\n\n\
                      On an empty CI runner, --cache-from takes the steps a registry cache \
                      holds (written by an earlier build's --cache-to): only the layers the \
                      build needs are fetched, and an entry that does not match its digest is \
                      never used.\n\n\
                      --platform builds for other platforms, one build per platform given: a \
                      RUN for an architecture this machine does not run executes under \
                      qemu-user-static, registered with binfmt_misc. TARGETPLATFORM, \
                      TARGETARCH, BUILDPLATFORM and the other platform arguments are set as \
                      BuildKit sets them, and FROM --platform=$BUILDPLATFORM runs a stage on \
                      this machine's platform. --manifest collects the images in a manifest \
                      list; with several platforms, the -t names are given to such lists, \
                      --cache-to writes every platform's steps to one cache, -o type=local \
                      and type=tar put each platform's files below its own directory \
                      (linux_amd64/, linux_arm64/) and -o type=oci writes one index of the \
                      images.\n\n\
                      A RUN instruction that fails ends the build, and berth exits with that \
                      instruction's exit code.",
        examples: &[
            (
                "Build the Dockerfile of the current directory and name the image",
                "berth build -t localhost/myapp:1.0 .",
            ),
            (
                "Build with another Dockerfile and context",
                "berth build -f Containerfile.dev -t myapp:dev ./context",
            ),
            (
                "Build one stage, with a build argument",
                "berth build --target runtime --build-arg VERSION=1.2 -t registry.example.com/team/app:1.2 ./context",
            ),
            (
                "Build again from the start, pulling the base images anew",
                "berth build --no-cache --pull -t myapp ./context",
            ),
            (
                "Give RUN --mount=type=secret,id=npm,env=NPM_TOKEN a CI variable's value, and RUN --mount=type=ssh the SSH agent of this session; neither stays in the image",
                "berth build --secret id=npm,env=NPM_TOKEN --ssh default -t myapp ./context",
            ),
            (
                "Write the built files to a directory, and the image as an OCI archive, keeping no image in the store",
                "berth build -o type=local,dest=./out -o type=oci,dest=app.tar ./context",
            ),
            (
                "Build and push to a registry in one command",
                "berth build -o type=registry,name=registry.example.com/team/app:1.2 ./context",
            ),
            (
                "Build for amd64 and arm64 into a manifest list (berth manifest push then sends it with its images)",
                "berth build --platform linux/amd64,linux/arm64 --manifest registry.example.com/team/app:1.2 .",
            ),
            (
                "In CI: take the steps from a registry cache (reg.example.com/app:buildcache), and write this build's steps back to it",
                "berth build --cache-from reg.example.com/app --cache-to reg.example.com/app -t app .",
            ),
            (
                "Pin FROM alpine to a digest, and give COPY --from=docs another directory",
                "berth build --build-context alpine=docker-image://alpine@sha256:DIGEST --build-context docs=../docs .",
            ),
            (
                "Print the instructions as berth reads them, running nothing",
                "berth build --dry-run ./context",
            ),
        ],
    },
    Page {
        path: "commit",
        description: "Create an image from a container's changes: the container's writable layer \
                      becomes a new layer over its image, and the image keeps the container's \
                      command, entrypoint, environment, working directory, user and published \
                      ports.\n\n\
                      -c applies Dockerfile instructions (CMD, ENTRYPOINT, ENV, WORKDIR, USER, \
                      LABEL, EXPOSE, VOLUME, STOPSIGNAL) to the new image's configuration, and -m \
                      and -a set the message of its history and its author. berth prints the new \
                      image's ID.",
        examples: &[
            (
                "Save a container's changes as a new image",
                "berth commit builder localhost/myapp:snapshot",
            ),
            (
                "Commit with a message, an environment variable and a port",
                "berth commit -m 'install tools' -c 'ENV MODE=production' -c 'EXPOSE 8080' builder registry.example.com/team/app:2.0",
            ),
            (
                "Commit with a new default command, printing only the image ID",
                "berth commit -q -c 'CMD [\"nginx\", \"-g\", \"daemon off;\"]' web localhost/web:custom",
            ),
        ],
    },
    Page {
        path: "completion",
        description: "Generate a shell completion script for bash, zsh or fish and print it on \
                      standard output, for berth's commands and options. Load it from the shell's \
                      startup file, or save it where the shell looks for completions.",
        examples: &[
            ("Print the completion script for bash", "berth completion bash"),
            ("Print the completion script for zsh", "berth completion zsh"),
            ("Print the completion script for fish", "berth completion fish"),
        ],
    },
    Page {
        path: "container",
        description: "Manage containers: run and create them, start, stop and remove them, look \
                      into them, and copy files in and out. Most subcommands are also top-level \
                      commands (berth container ls is berth ps, berth container run is berth \
                      run); container exists, container prune and container inspect, which looks \
                      only for containers, are the group's own.",
        examples: &[
            ("List every container", "berth container ls -a"),
            ("Remove the stopped containers", "berth container prune -f"),
        ],
    },
    Page {
        path: "container exists",
        description: "Check whether a container exists, by name or ID: berth exits 0 when it does \
                      and 1 when it does not, and prints nothing. For scripts.",
        examples: &[
            ("Check that a container exists", "berth container exists web"),
            ("Check that a container exists, by its ID", "berth container exists 3f2a9c1e7b04"),
        ],
    },
    Page {
        path: "container inspect",
        description: "Display the configuration and state of containers as a JSON array, with the \
                      keys of podman container inspect (Id, Name, State, Config, HostConfig, \
                      NetworkSettings, Mounts and more). Resource limits show as 0: berth sets no \
                      cgroup limits.\n\n\
                      --format takes a Go template, rendered once per container, such as \
                      '{{.State.Status}}'. Unlike berth inspect, only containers are looked for.",
        examples: &[
            ("Show everything about a container", "berth container inspect web"),
            (
                "Print a container's state",
                "berth container inspect --format '{{.State.Status}}' web",
            ),
            (
                "Print the address of two containers",
                "berth container inspect -f '{{.NetworkSettings.IPAddress}}' web db",
            ),
        ],
    },
    Page {
        path: "container prune",
        description: "Remove every container that is not running, after asking for confirmation \
                      (-f does not ask), and print the ID of each container removed.",
        examples: &[
            ("Remove the stopped containers, after a question", "berth container prune"),
            ("Remove the stopped containers without a question", "berth container prune -f"),
        ],
    },
    Page {
        path: "cp",
        description: "Copy files and directories between a container and the host, in either \
                      direction: one of SRC and DST is CONTAINER:PATH, the other a path on the \
                      host, or - for a tar on standard input (as SRC) or standard output (as \
                      DST). The container may be running or stopped; paths and symbolic links in \
                      it are resolved inside the container.\n\n\
                      What is copied into a container belongs to the container's user; \
                      --archive=false keeps the owners the files had. A directory does not \
                      replace a non-directory, nor the other way round, unless --overwrite is \
                      given. A stopped container's volumes are not mounted: a copy into one of \
                      their paths lands in the container's own layer.",
        examples: &[
            ("Copy a file into a container", "berth cp ./nginx.conf web:/etc/nginx/nginx.conf"),
            ("Copy a directory out of a container", "berth cp web:/var/log/nginx ./logs"),
            (
                "Copy what a directory holds into a directory of the container",
                "berth cp ./site/. web:/usr/share/nginx/html",
            ),
            (
                "Copy files in, keeping the owners they have on the host",
                "berth cp --archive=false ./data db:/srv/data",
            ),
            ("Unpack a tar read from standard input into a container", "berth cp - web:/srv"),
        ],
    },
    Page {
        path: "create",
        description: "Create a container from an image without starting it, pulling the image \
                      first when it is missing (--pull says when), and print the container's ID. \
                      It takes the options of berth run, which hold for every start of the \
                      container.\n\n\
                      berth start starts it later: in the background, or with -a attached to its \
                      output, and with -i also to its standard input when it was created with -i.",
        examples: &[
            (
                "Create a web server, published on host port 8080, to start later",
                "berth create --name web -p 8080:80 docker.io/library/nginx:1.27",
            ),
            (
                "Create an interactive shell container",
                "berth create -it --name shell docker.io/library/alpine sh",
            ),
            (
                "Create a database with a named volume and an environment variable",
                "berth create --name db -v dbdata:/var/lib/postgresql/data -e POSTGRES_PASSWORD=example docker.io/library/postgres:16",
            ),
        ],
    },
    Page {
        path: "diff",
        description: "Show the changes of a container's file system against its image, one line \
                      per path, sorted by path, as podman diff prints them: A for a path added, C \
                      for one changed, D for one deleted. The container may be running or \
                      stopped.\n\n\
                      --format json prints one JSON object with the lists added, changed and \
                      deleted.",
        examples: &[
            ("Show what a container changed", "berth diff web"),
            ("Show the changes as JSON", "berth diff --format json web"),
            ("Show the changes of the container created last", "berth diff -l"),
        ],
    },
    Page {
        path: "events",
        description: "Show events from the store's event log: what happened to images (pull, \
                      push, build, tag, remove and more), containers (create, start, died, stop, \
                      exec, health_status and more), volumes and networks, one line each, as \
                      podman events prints them. berth keeps printing new events as they happen, \
                      until it is interrupted or the --until time has come; with --since it first \
                      prints the past events from that time on. --stream=false prints the past \
                      events and exits.\n\n\
                      --since and --until take an RFC 3339 time, Unix seconds or a duration (for \
                      --until, counted from now on). --filter selects by type, event, container, \
                      image, volume, network or label. --format json prints one JSON object per \
                      line, with Podman's fields; a Go template is rendered for each event.",
        examples: &[
            ("Follow events as they happen", "berth events"),
            (
                "Print the events of the last hour and exit",
                "berth events --stream=false --since 1h",
            ),
            (
                "Follow the exits of containers",
                "berth events --filter type=container --filter event=died",
            ),
            (
                "Print the events of one container with a template",
                "berth events --filter container=web --format '{{.Time}} {{.Status}}'",
            ),
            ("Print past events as JSON lines", "berth events --stream=false --format json"),
        ],
    },
    Page {
        path: "exec",
        description: "Run a command in a running container: in its namespaces, with its user, \
                      environment, working directory, capabilities and seccomp filter, unless \
                      options say otherwise. berth exits with the command's exit code; when the \
                      command cannot be started, with 125, 126 or 127, as Podman does.\n\n\
                      -i connects standard input and -t allocates a pseudo-terminal, as for run. \
                      With -d the command starts in the background: berth prints its session's ID \
                      once it runs, and its output is discarded.",
        examples: &[
            ("Open an interactive shell in a running container", "berth exec -it web sh"),
            ("Run one command and print its output", "berth exec web cat /etc/os-release"),
            (
                "Run a command as root in another working directory",
                "berth exec -u root -w /var/log web ls -l",
            ),
            (
                "Run a command with one more environment variable",
                "berth exec -e DEBUG=1 web nginx -t",
            ),
            (
                "Start a command in the background and return at once",
                "berth exec -d web touch /tmp/ready",
            ),
        ],
    },
    Page {
        path: "explore",
        description: "Explore an image's layers as dive does: what each layer adds, changes and \
                      removes, and how much space the image wastes on files that later layers \
                      change or remove, with dive's efficiency figures. On a terminal berth shows \
                      dive's interactive view (the layers, the image's details and its file tree \
                      marked added, modified or removed, with dive's keys); otherwise it prints a \
                      plain report.\n\n\
                      The image is read from local storage, pulled when it is missing (--pull \
                      says when), or from a docker-archive or oci-archive file with --source. \
                      --ci (or CI=true in the environment) applies dive's CI rules instead, from \
                      the .dive-ci file or the rule options, prints each rule's result, and exits \
                      1 when a rule fails. -j writes dive's JSON analysis to a file and does \
                      nothing else.",
        examples: &[
            ("Explore an image's layers", "berth explore docker.io/library/nginx:1.27"),
            ("Check an image against dive's CI rules", "berth explore --ci localhost/myapp:1.0"),
            (
                "Check an image with rules of your own",
                "berth explore --ci --lowestEfficiency 0.95 --highestWastedBytes 20MB localhost/myapp:1.0",
            ),
            (
                "Explore an image saved in a docker-archive file",
                "berth explore --source docker-archive app.tar",
            ),
            (
                "Write dive's JSON analysis of an image to a file",
                "berth explore -j layers.json docker.io/library/nginx:1.27",
            ),
        ],
    },
    Page {
        path: "export",
        description: "Write a container's file system as a tar: its image with the container's \
                      changes, not its volumes. The tar goes to the file given with -o, or to \
                      standard output, which must not be a terminal.",
        examples: &[
            ("Write a container's file system to a tar file", "berth export -o web.tar web"),
            (
                "Export the file system of a stopped build container",
                "berth export --output rootfs.tar builder",
            ),
        ],
    },
    Page {
        path: "healthcheck",
        description: "Run containers' healthchecks by hand. A container's healthcheck is its \
                      image's HEALTHCHECK or run --health-cmd; the container's own berth process \
                      probes it every --health-interval, and berth healthcheck run probes it once \
                      more, at once.",
        examples: &[
            ("Run a container's healthcheck", "berth healthcheck run web"),
            ("Run the healthcheck of another container", "berth healthcheck run db"),
        ],
    },
    Page {
        path: "healthcheck run",
        description: "Run a container's healthcheck once, now: berth exits 0 when it passes, and \
                      prints the status and exits 1 when it fails. A container that does not \
                      exist or has no healthcheck is an error (exit 125).\n\n\
                      The check is the image's HEALTHCHECK or run --health-cmd; the container's \
                      own berth process also probes it every --health-interval.",
        examples: &[
            ("Run a container's healthcheck", "berth healthcheck run web"),
            (
                "Run a healthcheck, printing nothing: only the exit code tells",
                "berth healthcheck run --noout db",
            ),
        ],
    },
    Page {
        path: "history",
        description: "Show the history of an image: one line per step that made it, with the \
                      layer's ID, when it was made, the instruction that made it, its size and \
                      its comment. Sizes and times are in human form unless --human=false, and \
                      long instructions are cut unless --no-trunc.\n\n\
                      --format takes json or a Go template with the table's fields (ID, Created, \
                      CreatedBy, Size, Comment).",
        examples: &[
            ("Show the history of an image", "berth history docker.io/library/nginx:1.27"),
            ("Show the whole instructions and IDs", "berth history --no-trunc localhost/myapp:1.0"),
            (
                "Print each step's size and instruction",
                "berth history --format '{{.Size}} {{.CreatedBy}}' localhost/myapp:1.0",
            ),
            (
                "Show sizes in bytes and times as RFC 3339 dates",
                "berth history --human=false localhost/myapp:1.0",
            ),
        ],
    },
    Page {
        path: "image",
        description: "Manage the images in local storage: build, list, inspect, explore, tag, \
                      save, load and remove them. Most subcommands are also top-level commands \
                      (berth image ls is berth images, berth image rm is berth rmi); image \
                      exists, image prune and image inspect, which looks only for images, are the \
                      group's own.",
        examples: &[
            ("List the images", "berth image ls"),
            ("Remove every image no container uses", "berth image prune -a -f"),
        ],
    },
    Page {
        path: "image exists",
        description: "Check whether an image is in local storage, by name or ID: berth exits 0 \
                      when it is and 1 when it is not, and prints nothing. Nothing is pulled.",
        examples: &[
            (
                "Check that an image is in local storage",
                "berth image exists docker.io/library/alpine",
            ),
            ("Check for an image built here", "berth image exists localhost/myapp:1.0"),
        ],
    },
    Page {
        path: "image inspect",
        description: "Display the configuration of images as a JSON array, with the keys of \
                      podman image inspect (Id, RepoTags, RepoDigests, Config, RootFS, History \
                      and more).\n\n\
                      --format takes a Go template, rendered once per image, such as '{{.Id}}'. \
                      Unlike berth inspect, only images are looked for.",
        examples: &[
            ("Show everything about an image", "berth image inspect docker.io/library/alpine"),
            ("Print an image's ID", "berth image inspect --format '{{.Id}}' localhost/myapp:1.0"),
            (
                "Print an image's default command",
                "berth image inspect -f '{{.Config.Cmd}}' docker.io/library/nginx:1.27",
            ),
        ],
    },
    Page {
        path: "image prune",
        description: "Remove dangling images, or with -a every image that no container uses, \
                      after asking for confirmation (-f does not ask). berth prints the ID of \
                      each image removed.",
        examples: &[
            ("Remove the dangling images, after a question", "berth image prune"),
            ("Remove every image no container uses, without a question", "berth image prune -a -f"),
        ],
    },
    Page {
        path: "images",
        description: "List the images in local storage: one line per name of each image, with its \
                      repository, tag, ID, creation time and size (the layers' uncompressed \
                      size). -a adds intermediate images; an IMAGE argument shows only the names \
                      that match it.\n\n\
                      --filter takes dangling=true|false, reference=PATTERN, before=IMAGE, \
                      since=IMAGE, label=KEY[=VALUE] and id=ID; --sort orders by created, id, \
                      repository, tag or size. --format takes json or a Go template such as \
                      '{{.Repository}}:{{.Tag}}'.",
        examples: &[
            ("List the images", "berth images"),
            ("List the names of one repository", "berth images docker.io/library/nginx"),
            (
                "Print the IDs of the images without a name",
                "berth images -q --filter dangling=true",
            ),
            (
                "List names and sizes, sorted by size",
                "berth images --sort size --format '{{.Repository}}:{{.Tag}} {{.Size}}'",
            ),
            ("Show digests and full IDs", "berth images --digests --no-trunc"),
        ],
    },
    Page {
        path: "import",
        description: "Create an image from a tarball of a root file system (plain, gzip or zstd, \
                      or - for standard input): the image has one layer, what the tarball holds. \
                      A tarball brings no configuration: -c applies Dockerfile instructions (CMD, \
                      ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL) to it. \
                      berth prints the new image's ID.",
        examples: &[
            (
                "Make an image of a root file system tarball",
                "berth import rootfs.tar localhost/myimage:latest",
            ),
            (
                "Import with a default command and an environment variable",
                "berth import -c 'CMD [\"/bin/sh\"]' -c 'ENV LANG=C.UTF-8' rootfs.tar.gz localhost/base:1",
            ),
            (
                "Import a tarball read from standard input, with a message",
                "berth import -m 'nightly root file system' - localhost/nightly:latest",
            ),
        ],
    },
    Page {
        path: "info",
        description: "Display information about the host and the store, as YAML like podman info \
                      prints: the host (kernel, rootless or not, id mappings, the network \
                      backend, berth as the runtime of containers), the store (its paths and the \
                      numbers of images, layers and containers), the registries and berth's \
                      version.\n\n\
                      --format json prints JSON; a Go template reads Podman's field names, such \
                      as '{{.Store.GraphRoot}}'.",
        examples: &[
            ("Show information about the host and the store", "berth info"),
            ("Print it as JSON", "berth info --format json"),
            ("Print where the store is", "berth info --format '{{.Store.GraphRoot}}'"),
        ],
    },
    Page {
        path: "inspect",
        description: "Display the configuration of containers and images as a JSON array. Each \
                      name is looked for among containers and images, and a container wins over \
                      an image of the same name; --type container or --type image looks for one \
                      kind only. The objects are those of berth container inspect and berth image \
                      inspect.\n\n\
                      --format takes a Go template, rendered once per object, such as '{{.Id}}'.",
        examples: &[
            ("Show everything about a container or an image", "berth inspect web"),
            (
                "Inspect an image, even where a container has that name",
                "berth inspect --type image docker.io/library/nginx:1.27",
            ),
            ("Print the ID of a container", "berth inspect --format '{{.Id}}' web"),
            (
                "Print the exit code of a container",
                "berth inspect -t container -f '{{.State.ExitCode}}' builder",
            ),
        ],
    },
    Page {
        path: "kill",
        description: "Send a signal to running containers: SIGKILL, unless -s names another one, \
                      by name (TERM or SIGTERM) or by number. berth prints each container as \
                      named once it is signalled. It reaches containers in the foreground too.\n\n\
                      A kill by a user ends a container for good: its restart policy does not \
                      start it again.",
        examples: &[
            ("Kill a container", "berth kill web"),
            ("Send SIGHUP, for a server to read its configuration again", "berth kill -s HUP web"),
            ("Send signal 15 (SIGTERM) to two containers", "berth kill --signal 15 web db"),
        ],
    },
    Page {
        path: "compose",
        description: "Run a multi-container application of a compose file (the Compose \
                      Specification, as docker compose reads it) in berth itself: no daemon, no \
                      socket, no other tool. The file is compose.yaml, compose.yml, \
                      docker-compose.yaml or docker-compose.yml here or in a directory above \
                      (with its override file), COMPOSE_FILE, or -f (repeatable; later files \
                      merge over earlier ones as docker compose merges them). Variables come \
                      from berth's environment, then .env in the project directory.\n\n\
                      Each service's containers are named PROJECT-SERVICE-N and carry docker \
                      compose's labels (com.docker.compose.project, .service, \
                      .container-number, .config-hash, …), so tools that read them keep \
                      working; the project's networks are PROJECT_NAME (PROJECT_default unless \
                      the file says otherwise) and its services reach each other by service \
                      name there; its named volumes are PROJECT_NAME.\n\n\
                      An error in a file is one line naming the file, the line and the field, \
                      and nothing is made.",
        examples: &[
            ("Start the application in the background", "berth compose up -d"),
            ("List its containers", "berth compose ps"),
            ("Follow its output", "berth compose logs -f"),
            ("Remove it, with its volumes", "berth compose down -v"),
        ],
    },
    Page {
        path: "compose up",
        description: "Create and start the application: its images pulled (or built from a \
                      build section, named PROJECT-SERVICE unless the service names one), its \
                      networks and volumes made, then each service's containers once what it \
                      depends on is as its condition asks (service_started, service_healthy, \
                      service_completed_successfully).\n\n\
                      A container whose configuration (the file's, and its image) has not \
                      changed is kept as it is; one that changed is recreated. Without -d, \
                      up prints the containers' output, each line after its container's \
                      name, until they all exit; ctrl-c stops them.",
        examples: &[
            ("Start everything in the background", "berth compose up -d"),
            ("Build the images first", "berth compose up -d --build"),
            ("Run three containers of web", "berth compose up -d --scale web=3"),
            ("Start one service and what it needs, and wait until healthy", "berth compose up -d --wait db"),
        ],
    },
    Page {
        path: "compose down",
        description: "Stop and remove the application's containers (dependents first, those \
                      of one level at once) and its networks. Named volumes stay unless -v is \
                      given; external networks and volumes always stay.",
        examples: &[
            ("Remove the application", "berth compose down"),
            ("Remove its volumes and built images too", "berth compose down -v --rmi local"),
        ],
    },
    Page {
        path: "compose ps",
        description: "List the application's containers: running ones, or all with -a. \
                      --format json prints one JSON object per line, as docker compose does.",
        examples: &[
            ("List the running containers", "berth compose ps"),
            ("Print names and states", "berth compose ps -a --format '{{.Name}} {{.State}}'"),
            ("Print the services that run", "berth compose ps --services"),
        ],
    },
    Page {
        path: "compose config",
        description: "Print the application as berth reads it: the files merged, variables \
                      replaced, paths absolute, every short form written long. The output is \
                      itself a compose file that reads back to the same application.",
        examples: &[
            ("Print the resolved file", "berth compose config"),
            ("Check the files only", "berth compose config -q"),
            ("List the services", "berth compose config --services"),
        ],
    },
    Page {
        path: "compose start",
        description: "Start the application's containers that are not running.",
        examples: &[("Start the whole application", "berth compose start"), ("Start one service", "berth compose start db")],
    },
    Page {
        path: "compose stop",
        description: "Stop the application's containers, dependents first; each gets its stop \
                      signal, then SIGKILL after the timeout (its stop_grace_period, or -t).",
        examples: &[("Stop everything", "berth compose stop"), ("Stop web within 2 seconds", "berth compose stop -t 2 web")],
    },
    Page {
        path: "compose restart",
        description: "Stop the application's containers, then start them again.",
        examples: &[("Restart one service", "berth compose restart web")],
    },
    Page {
        path: "compose kill",
        description: "Send a signal (SIGKILL unless -s names another) to the application's \
                      running containers.",
        examples: &[("Kill everything", "berth compose kill"), ("Send SIGHUP to web", "berth compose kill -s HUP web")],
    },
    Page {
        path: "compose rm",
        description: "Remove the application's stopped containers (running ones too with -s, \
                      which stops them first). It asks first unless -f is given.",
        examples: &[("Remove the stopped containers", "berth compose rm -f"), ("Stop and remove web", "berth compose rm -sf web")],
    },
    Page {
        path: "compose logs",
        description: "Print the output of the application's containers, each line after its \
                      container's name (in a colour of its own on a terminal).",
        examples: &[
            ("Print everything", "berth compose logs"),
            ("Follow the last 10 lines of web", "berth compose logs -f --tail 10 web"),
        ],
    },
    Page {
        path: "compose exec",
        description: "Run a command in a running container of a service (the first, or \
                      --index N), with a terminal when standard input is one (-T: none).",
        examples: &[
            ("Open a shell in web", "berth compose exec web sh"),
            ("Run a command without a terminal", "berth compose exec -T db cat /data/schema"),
        ],
    },
    Page {
        path: "compose run",
        description: "Run a one-off command in a new container of a service, after starting \
                      what the service depends on. The container is named \
                      PROJECT-SERVICE-run-ID and labelled as a one-off, so up and ps leave it \
                      alone; the service's ports are published only with --service-ports.",
        examples: &[
            ("Run a migration once", "berth compose run --rm app ./migrate"),
            ("Open a shell in a new container of web", "berth compose run --rm web sh"),
        ],
    },
    Page {
        path: "compose build",
        description: "Build the images of the services with a build section, each named as \
                      the service's image (PROJECT-SERVICE when the service names none), with \
                      the section's context, dockerfile, args, target and labels.",
        examples: &[
            ("Build every image", "berth compose build"),
            ("Build web from scratch", "berth compose build --no-cache web"),
        ],
    },
    Page {
        path: "compose pull",
        description: "Pull the images of the services that run one (not those that build \
                      theirs).",
        examples: &[("Pull every image", "berth compose pull"), ("Pull quietly, going on past failures", "berth compose pull -q --ignore-pull-failures")],
    },
    Page {
        path: "compose push",
        description: "Push the images of the services that build one and name it (image: \
                      next to build:), as docker compose does.",
        examples: &[("Push the built images", "berth compose push")],
    },
    Page {
        path: "compose port",
        description: "Print the host address and port a container port of a service is \
                      published on.",
        examples: &[("Where is web's port 80?", "berth compose port web 80")],
    },
    Page {
        path: "compose images",
        description: "List the images of the application's containers: the container, the \
                      image's repository, tag, id and size.",
        examples: &[("List them", "berth compose images"), ("Print only the ids", "berth compose images -q")],
    },
    Page {
        path: "compose ls",
        description: "List the compose projects that have containers in the store (with -a, \
                      also those with none running): their states and compose files. It reads \
                      the containers' labels, so it needs no file.",
        examples: &[("List running projects", "berth compose ls"), ("List every project", "berth compose ls -a")],
    },
    Page {
        path: "kube",
        description: "Kubernetes YAML of berth's pods and containers, so that an app that \
                      outgrows one machine moves to a cluster as it is, and the pods of such \
                      YAML run by berth.",
        examples: &[
            ("Write a pod's YAML", "berth kube generate web"),
            ("Write it with a Service, to a file", "berth kube generate -s -f web.yaml web"),
            ("Run the pods of a file", "berth kube play web.yaml"),
        ],
    },
    Page {
        path: "kube generate",
        description: "Write Kubernetes YAML of pods or containers: a Pod (or a Deployment of one \
                      replica with --type deployment) for each, with -s a Service (NodePort) of \
                      its published ports, and a PersistentVolumeClaim for each named volume. A \
                      pod's containers but its infra container are the Pod's; a container alone \
                      becomes a Pod named CONTAINER-pod.\n\n\
                      Each container gets its image, its entrypoint as command and its command as \
                      args where they differ from the image's (as Kubernetes splits them), the \
                      environment it adds to the image's, the pod's ports (on its first \
                      container), volume mounts (named volumes as claims, bind mounts as \
                      hostPath, tmpfs as an emptyDir in memory), its working directory, a \
                      securityContext (numeric user and group, capabilities, privileged, \
                      read-only root), its healthcheck as an exec livenessProbe, and its labels \
                      as the Pod's annotations KEY/CONTAINER. The restart policy is the first \
                      container's. The output passes Kubernetes' schemas (kubernetes-validate \
                      --strict).",
        examples: &[
            ("Write a pod's YAML", "berth kube generate web"),
            (
                "Write a Deployment and a Service of a pod to a file",
                "berth kube generate --type deployment -s -f web.yaml web",
            ),
            ("Write a container alone as a Pod", "berth kube generate db"),
        ],
    },
    Page {
        path: "kube play",
        description: "Run the pods of a Kubernetes YAML file (or standard input, -): a Pod, or a \
                      Deployment as one pod per replica (named DEPLOYMENT-pod, or \
                      DEPLOYMENT-pod-N with more than one), each a berth pod whose containers are \
                      named POD-CONTAINER. ConfigMaps (from the file or --configmap files) and \
                      Secrets give environment variables (env valueFrom, envFrom) and files \
                      (configMap and secret volumes); a PersistentVolumeClaim is the named volume \
                      of its name; emptyDir, ConfigMap and Secret volumes are the pod's own \
                      (POD-VOLUME) and go with it; hostPath is a bind mount. Init containers run \
                      to their end, one after the other, before the others start, and are then \
                      removed. A hostPort publishes the container port on the host. Liveness \
                      probes (exec, httpGet, tcpSocket) are run by berth and kill a failing \
                      container, which the pod's restartPolicy starts again; a readiness probe \
                      alone sets the health status. resources are recorded as labels \
                      io.berth.kube.resources.*, not enforced.\n\n\
                      Images missing from the store are pulled (imagePullPolicy: IfNotPresent, \
                      Always, Never), or built from the directory of the image's name in the \
                      working directory when it holds a Containerfile or Dockerfile. Fields and \
                      kinds berth does not play are named in a warning, once. A file berth cannot \
                      read (invalid YAML, no kind, a pod without containers, a name Kubernetes \
                      refuses, a missing ConfigMap) is an error naming the file, the document and \
                      the field, and nothing is made. berth prints each pod's id and its \
                      containers' ids. With --down, it removes the file's pods instead, with \
                      their own volumes; claims' volumes stay unless --force is given.",
        examples: &[
            ("Run the pods of a file", "berth kube play web.yaml"),
            (
                "Make them again after changing the file, with a ConfigMap from another",
                "berth kube play --replace --configmap settings.yaml web.yaml",
            ),
            ("Remove what the file made", "berth kube play --down web.yaml"),
            ("Create the pods without starting them", "berth kube play --start=false web.yaml"),
        ],
    },
    Page {
        path: "kube down",
        description: "Remove the pods a Kubernetes YAML file made with kube play (stopped \
                      first), with their emptyDir, ConfigMap and Secret volumes; the \
                      PersistentVolumeClaims' volumes stay, unless --force is given. The same as \
                      kube play --down.",
        examples: &[
            ("Remove what a file made", "berth kube down web.yaml"),
            ("Remove its claims' data too", "berth kube down --force web.yaml"),
        ],
    },
    Page {
        path: "load",
        description: "Load images from an archive, docker-archive or oci-archive, compressed or \
                      not, read from the file given with -i or from standard input, which must \
                      not be a terminal. An archive may hold several images; those of docker save \
                      and podman save load. berth prints a line for each image loaded (Loaded \
                      image: NAME).",
        examples: &[
            ("Load the images of an archive file", "berth load -i app.tar"),
            (
                "Load a compressed archive, printing nothing but errors",
                "berth load -q --input images.tar.gz",
            ),
        ],
    },
    Page {
        path: "login",
        description: "Log in to a registry: berth checks the user name and password with the \
                      registry, then stores them in Podman's auth.json, or the file that \
                      --authfile or REGISTRY_AUTH_FILE names, where pull, push and Podman find \
                      them. Without a registry, the default registry is meant. On success berth \
                      prints Login Succeeded!\n\n\
                      The user name (-u) is required. The password comes from -p, which others \
                      can read in the process list, or from standard input with --password-stdin.",
        examples: &[
            (
                "Log in, the password read from standard input",
                "berth login -u deploy --password-stdin registry.example.com",
            ),
            (
                "Log in to a local registry that speaks plain HTTP",
                "berth login --tls-verify=false -u admin -p secret localhost:5000",
            ),
            (
                "Log in with credentials kept in a file of their own",
                "berth login --authfile ./auth.json -u deploy --password-stdin registry.example.com",
            ),
        ],
    },
    Page {
        path: "logout",
        description: "Log out of a registry: remove its credentials from the authentication file \
                      (Podman's auth.json, or the file that --authfile or REGISTRY_AUTH_FILE \
                      names); -a removes the credentials of every registry. Without a registry, \
                      the default registry is meant. Logging out of a registry without stored \
                      credentials is an error.",
        examples: &[
            ("Log out of a registry", "berth logout registry.example.com"),
            ("Remove the credentials of every registry", "berth logout -a"),
        ],
    },
    Page {
        path: "logs",
        description: "Show the output of containers. Every run is logged, in the foreground too, \
                      unless its log driver is none or passthrough. The container's standard \
                      output goes to standard output and its standard error to standard error.\n\n\
                      With several containers, lines come in the order of their times, each after \
                      the container's short ID, or its name with -n. -f keeps printing new output \
                      until the container exits. --since and --until take an RFC 3339 time, a \
                      date or local time, seconds since the epoch, or a duration such as 10m.",
        examples: &[
            ("Show the output of a container", "berth logs web"),
            ("Show the last 50 lines and follow new ones", "berth logs -f --tail 50 web"),
            (
                "Show the output of the last ten minutes, with times",
                "berth logs -t --since 10m web",
            ),
            ("Show the output of two containers, each line after its name", "berth logs -n web db"),
            ("Show the output of the container created last", "berth logs -l"),
        ],
    },
    Page {
        path: "manifest",
        description: "Manifest lists (OCI image indexes) in local storage, and the manifests of \
                      images in registries. A list names one image per platform: manifest create \
                      makes one, add, annotate and remove change it, push sends it with its \
                      images, rm removes it (the images stay). build --platform a,b --manifest \
                      NAME fills one. run, create and pull take --platform, --arch, --os and \
                      --variant to pick an image of a list.",
        examples: &[
            (
                "Make a list of two images of local storage",
                "berth manifest create registry.example.com/team/app:1.0 app:amd64 app:arm64",
            ),
            (
                "Push the list with its images",
                "berth manifest push registry.example.com/team/app:1.0",
            ),
            (
                "Print the index of a multi-platform image",
                "berth manifest inspect docker.io/library/alpine",
            ),
        ],
    },
    Page {
        path: "manifest create",
        description: "Create a manifest list in local storage, with the images given (each from \
                      local storage, else pulled) as its entries, and print its digest. Each \
                      entry's platform is its image's. A list cannot have an image's name; \
                      --amend adds to a list that exists.",
        examples: &[
            ("Create an empty list", "berth manifest create localhost/app:1.0"),
            (
                "Create a list of two images",
                "berth manifest create registry.example.com/team/app:1.0 app:amd64 app:arm64",
            ),
            (
                "Add to the list if it exists, with an annotation of the list",
                "berth manifest create --amend --annotation org.example.team=web localhost/app:1.0 app:riscv64",
            ),
        ],
    },
    Page {
        path: "manifest add",
        description: "Add an image to a manifest list: one of local storage, else one pulled (for \
                      the platform --os, --arch and --variant name, if given). The entry's \
                      platform is the image's unless those options say otherwise; an entry of \
                      the same manifest is replaced. With --all, a manifest list in a registry \
                      gives every platform's image, each pulled without a name. Prints the \
                      list's new digest.",
        examples: &[
            ("Add an image of local storage", "berth manifest add localhost/app:1.0 app:arm64"),
            (
                "Pull the arm64 image of a multi-platform image and add it",
                "berth manifest add --arch arm64 localhost/app:1.0 docker.io/library/alpine:3.20",
            ),
            (
                "Add the image of every platform of a multi-platform image",
                "berth manifest add --all localhost/app:1.0 docker.io/library/alpine:3.20",
            ),
            (
                "Add an image with an annotation on its entry",
                "berth manifest add --annotation org.example.note=beta localhost/app:1.0 app:beta",
            ),
        ],
    },
    Page {
        path: "manifest annotate",
        description: "Change the platform fields (--os, --arch, --variant, --os-version, \
                      --os-features) and annotations of a list's entry, named by its manifest \
                      digest or by its image's name or ID; with --index, the list's own \
                      annotations.",
        examples: &[
            (
                "Mark an entry as arm64 v8",
                "berth manifest annotate --arch arm64 --variant v8 localhost/app:1.0 app:arm64",
            ),
            (
                "Annotate the list itself",
                "berth manifest annotate --index --annotation org.example.release=1.0 localhost/app:1.0",
            ),
        ],
    },
    Page {
        path: "manifest remove",
        description: "Take an entry out of a manifest list, named by its manifest digest (or a \
                      unique prefix of it) or by its image's name or ID. The image stays in local \
                      storage.",
        examples: &[
            (
                "Remove the entry of an image",
                "berth manifest remove localhost/app:1.0 app:arm64",
            ),
            (
                "Remove an entry by its digest",
                "berth manifest remove localhost/app:1.0 sha256:3f1c0a5b2d4e",
            ),
        ],
    },
    Page {
        path: "manifest inspect",
        description: "Print a manifest list of local storage; for a name that is no such list, \
                      the manifest of an image in a registry, or its index for a multi-platform \
                      image, without pulling it: as indented JSON, or with --raw exactly as \
                      stored or sent.",
        examples: &[
            ("Print a list of local storage", "berth manifest inspect localhost/app:1.0"),
            (
                "Print the index of a multi-platform image",
                "berth manifest inspect docker.io/library/alpine",
            ),
            (
                "Print a manifest as the registry sent it",
                "berth manifest inspect --raw docker.io/library/nginx:1.27",
            ),
            (
                "Inspect an image in a registry with a self-signed certificate",
                "berth manifest inspect --tls-verify=false registry.example.com/team/app:1.0",
            ),
        ],
    },
    Page {
        path: "manifest push",
        description: "Push a manifest list: each of its images by digest, then the list, as the \
                      destination's tag (the list's name by default), and print the pushed \
                      list's digest. The entries name the manifests the registry now holds. \
                      --all=false pushes only the list: each image must then be in the \
                      destination repository already (pulled from it or pushed to it). berth \
                      push of a list's name does the same as manifest push.",
        examples: &[
            (
                "Push a list and its images",
                "berth manifest push registry.example.com/team/app:1.0",
            ),
            (
                "Push a local list to a registry, and remove it from local storage",
                "berth manifest push --rm localhost/app:1.0 registry.example.com/team/app:1.0",
            ),
        ],
    },
    Page {
        path: "manifest rm",
        description: "Remove manifest lists from local storage. Their images stay (rmi removes \
                      those). rmi of a list's name removes the list too.",
        examples: &[
            ("Remove a list", "berth manifest rm localhost/app:1.0"),
            ("Remove two lists", "berth manifest rm localhost/app:1.0 localhost/app:1.1"),
        ],
    },
    Page {
        path: "manifest exists",
        description: "Exit with 0 if a manifest list of that name is in local storage, else with \
                      1. Nothing is printed.",
        examples: &[
            ("Check for a list", "berth manifest exists localhost/app:1.0"),
            (
                "Check for a list of another registry",
                "berth manifest exists registry.example.com/team/app:1.0",
            ),
        ],
    },
    Page {
        path: "mount",
        description: "Mount containers' root file systems and print where each is mounted; with \
                      no container named, list the mounted containers and their mount points. A \
                      container started while it is mounted uses that mount.\n\n\
                      Rootless, berth mount works only inside berth unshare, where the mount \
                      lasts as long as the command that unshare runs. berth unmount undoes it.",
        examples: &[
            ("Mount a container's root file system and print where", "berth mount web"),
            ("List the mounted containers", "berth mount"),
            ("List the mounted containers with their full IDs", "berth mount --no-trunc"),
        ],
    },
    Page {
        path: "network",
        description: "Manage networks. Containers join the default network berth (also called \
                      bridge), with outbound access, unless run --network says otherwise; on a \
                      network of their own, containers find each other by name, alias and short \
                      ID, and an internal network has no way out. Rootless, berth keeps the \
                      bridges in a network namespace of its own for the user; as root they are \
                      the host's.",
        examples: &[
            (
                "Create a network with a subnet of your own",
                "berth network create --subnet 198.18.10.0/24 appnet",
            ),
            ("List the networks", "berth network ls"),
        ],
    },
    Page {
        path: "network connect",
        description: "Put a container on a network. It gets an address there (--ip and --ip6 \
                      choose it), and the network's other containers find it by its name, its \
                      short ID and each --alias.",
        examples: &[
            ("Put a container on a network", "berth network connect appnet web"),
            (
                "Connect with an alias and a fixed address",
                "berth network connect --alias api --ip 198.18.10.20 appnet web",
            ),
        ],
    },
    Page {
        path: "network create",
        description: "Create a bridge network and print its name. Without --subnet it takes the \
                      first free 10.89.N.0/24, and the gateway is the subnet's first host address \
                      unless --gateway says otherwise. --ipv6 (or an IPv6 --subnet beside the \
                      IPv4 one) makes it dual-stack, with a unique local /64 unless a subnet is \
                      given; --internal gives it no route out.\n\n\
                      Containers join it with run --network NAME or network connect, and find \
                      each other there by name, alias and short ID. Rootless, its bridge lives in \
                      a network namespace that berth keeps for the user.",
        examples: &[
            ("Create a network", "berth network create appnet"),
            (
                "Create a network with a subnet and gateway of your own",
                "berth network create --subnet 198.18.10.0/24 --gateway 198.18.10.1 appnet",
            ),
            (
                "Create a network without a route out",
                "berth network create --internal --subnet 198.18.20.0/24 backend",
            ),
            (
                "Create a dual-stack network with a label",
                "berth network create --ipv6 --label team=web webnet",
            ),
        ],
    },
    Page {
        path: "network disconnect",
        description: "Take a container off a network; a running container is disconnected at \
                      once. -f is taken for Podman's sake.",
        examples: &[
            ("Take a container off a network", "berth network disconnect appnet web"),
            ("Disconnect, as a Podman script would", "berth network disconnect -f appnet web"),
        ],
    },
    Page {
        path: "network exists",
        description: "Check whether a network exists, by name or ID: berth exits 0 when it does \
                      and 1 when it does not, and prints nothing.",
        examples: &[
            ("Check that a network exists", "berth network exists appnet"),
            ("Check for the default network", "berth network exists berth"),
        ],
    },
    Page {
        path: "network inspect",
        description: "Display the configuration of networks as a JSON array, in the shape Podman \
                      shows (name, ID, driver, subnets, internal, labels and more). --format \
                      takes a Go template, rendered once per network, with Podman's field names \
                      such as '{{.Subnets}}'.",
        examples: &[
            ("Show everything about a network", "berth network inspect appnet"),
            ("Print a network's subnets", "berth network inspect --format '{{.Subnets}}' appnet"),
            ("Inspect the default network", "berth network inspect berth"),
        ],
    },
    Page {
        path: "network ls",
        description: "List networks, the default one included, with their ID, name and driver. \
                      --filter selects by name (^ and $ anchor it), label, driver or ID prefix; \
                      -q prints only names; --format takes json or a Go template.",
        examples: &[
            ("List the networks", "berth network ls"),
            (
                "Print the names of the networks whose name starts with app",
                "berth network ls -q --filter name=^app",
            ),
            (
                "List names and drivers with a template",
                "berth network ls --format '{{.Name}} {{.Driver}}'",
            ),
        ],
    },
    Page {
        path: "network prune",
        description: "Remove every network that no container is on, after asking for confirmation \
                      (-f does not ask), and print the name of each network removed.",
        examples: &[
            ("Remove the unused networks, after a question", "berth network prune"),
            ("Remove the unused networks without a question", "berth network prune -f"),
        ],
    },
    Page {
        path: "network rm",
        description: "Remove networks and print each one removed, as named. -f removes the \
                      containers on the networks first, killing the running ones, and takes a \
                      network that does not exist as no error.\n\n\
                      Without -f, a network that does not exist makes berth exit 1, and nothing \
                      is removed; other errors exit 125.",
        examples: &[
            ("Remove a network", "berth network rm appnet"),
            (
                "Remove two networks and the containers on them",
                "berth network rm -f appnet backend",
            ),
        ],
    },
    Page {
        path: "pod",
        description: "Manage pods: groups of containers that share namespaces, as Podman's and \
                      Kubernetes' pods do. The containers of a pod reach each other on localhost, \
                      share its hostname, its System V IPC and its published ports.\n\n\
                      Each pod has an infra container, listed by ps as POD-ID-infra, whose pid 1 \
                      is berth's own pause: no image, one sleeping process that holds the shared \
                      namespaces while the pod runs, whatever its other containers do.",
        examples: &[
            ("Create a pod that publishes port 8080", "berth pod create --name web -p 8080:80"),
            ("Start it", "berth pod start web"),
            ("List the pods", "berth pod ps"),
        ],
    },
    Page {
        path: "pod create",
        description: "Create a pod and print its ID. It is not started: pod start, or the start \
                      of one of its containers, starts its infra container first.\n\n\
                      --share names the namespaces its containers share with the infra container: \
                      ipc, net, pid and uts (default ipc,net,uts; cgroup is accepted, as berth \
                      manages none). The pod's network flags (-p, --network, --ip, --dns, \
                      --add-host, --hostname) are given here; a container that shares the pod's \
                      network cannot have its own. --infra=false makes a pod without an infra \
                      container, which shares nothing.",
        examples: &[
            ("Create a pod", "berth pod create --name web"),
            (
                "Create a pod on a network, publishing a port",
                "berth pod create --name api --network backend -p 127.0.0.1:8080:8080",
            ),
            (
                "Create a pod whose containers also see each other's processes",
                "berth pod create --name tools --share ipc,net,uts,pid",
            ),
        ],
    },
    Page {
        path: "pod exists",
        description: "Check whether a pod exists, by name or ID: berth exits 0 when it does and 1 \
                      when it does not, and prints nothing.",
        examples: &[
            ("Check that a pod exists", "berth pod exists web"),
            ("Check for another pod", "berth pod exists api"),
        ],
    },
    Page {
        path: "pod inspect",
        description: "Display the configuration of pods as a JSON array with Podman's keys (Id, \
                      Name, State, Hostname, Labels, InfraContainerID, InfraConfig, \
                      SharedNamespaces, Containers and more). --format takes a Go template, \
                      rendered once per pod.",
        examples: &[
            ("Show everything about a pod", "berth pod inspect web"),
            ("Print a pod's state", "berth pod inspect --format '{{.State}}' web"),
        ],
    },
    Page {
        path: "pod kill",
        description: "Send a signal (SIGKILL by default) to every running container of pods, the \
                      infra container last, and print each pod's ID.",
        examples: &[
            ("Kill a pod's containers", "berth pod kill web"),
            ("Send SIGHUP to a pod's containers", "berth pod kill -s HUP web"),
        ],
    },
    Page {
        path: "pod logs",
        description: "Show the logs of a pod's containers (not its infra container's), each line \
                      after its container's short ID, or its name with -n, in the order of their \
                      times; -f follows them all until they exit, and -c shows one container's.",
        examples: &[
            ("Show a pod's logs", "berth pod logs web"),
            ("Follow a pod's logs, named by container", "berth pod logs -f -n web"),
            ("Show the last 10 lines of one container", "berth pod logs --tail 10 -c app web"),
        ],
    },
    Page {
        path: "pod prune",
        description: "Remove every pod none of whose containers runs, with its containers, after \
                      asking for confirmation (-f does not ask), and print the ID of each pod \
                      removed.",
        examples: &[
            ("Remove the stopped pods, after a question", "berth pod prune"),
            ("Remove them without a question", "berth pod prune -f"),
        ],
    },
    Page {
        path: "pod ps",
        description: "List pods: ID, name, status (Created, Running, Degraded when only some of \
                      its containers run, Exited), age, infra container and the number of \
                      containers. --ctr-names, --ctr-ids and --ctr-status list the containers; \
                      --filter selects by id, name, label, status, ctr-names, ctr-ids, ctr-status \
                      or ctr-number; -q prints only IDs; --format takes json or a Go template.",
        examples: &[
            ("List the pods", "berth pod ps"),
            ("List the running pods with their containers", "berth pod ps --filter status=running --ctr-names"),
            ("Print names and states with a template", "berth pod ps --format '{{.Name}} {{.Status}}'"),
        ],
    },
    Page {
        path: "pod restart",
        description: "Stop pods (as pod stop) and start them again (as pod start), and print each \
                      pod's ID.",
        examples: &[
            ("Restart a pod", "berth pod restart web"),
            ("Restart two pods", "berth pod restart web api"),
        ],
    },
    Page {
        path: "pod rm",
        description: "Remove pods with their containers and print each pod's ID. A pod with \
                      running containers is refused (exit code 2) unless -f is given, which kills \
                      them, or with -t gives them their stop signal and that many seconds first. \
                      A pod that does not exist makes berth exit 1 (not with -f or -i).",
        examples: &[
            ("Remove a stopped pod", "berth pod rm web"),
            ("Remove a running pod and its containers", "berth pod rm -f api"),
            ("Stop a pod's containers gently, then remove it", "berth pod rm -f -t 5 web"),
        ],
    },
    Page {
        path: "pod start",
        description: "Start pods: the infra container first, then every other container of the \
                      pod that does not run, each detached; print each pod's ID.",
        examples: &[
            ("Start a pod", "berth pod start web"),
            ("Start two pods", "berth pod start web api"),
        ],
    },
    Page {
        path: "pod stop",
        description: "Stop pods: their containers at once (each its stop signal, then SIGKILL \
                      after the timeout), then the infra container; print each pod's ID.",
        examples: &[
            ("Stop a pod", "berth pod stop web"),
            ("Stop a pod, giving its containers 2 seconds", "berth pod stop -t 2 web"),
        ],
    },
    Page {
        path: "port",
        description: "List the published ports of a container, one line per mapping as podman \
                      port prints them (80/tcp -> 0.0.0.0:8080). Given one of the container's \
                      ports, berth prints only the host addresses it is published on, and fails \
                      when it is not published. Only running containers have published ports.\n\n\
                      -a lists the ports of every running container, each line after the \
                      container's short ID.",
        examples: &[
            ("List the published ports of a container", "berth port web"),
            ("Print where a container's port 80 is published", "berth port web 80/tcp"),
            ("List the published ports of every running container", "berth port -a"),
            ("List the published ports of the container created last", "berth port -l"),
        ],
    },
    Page {
        path: "ps",
        description: "List containers: the running ones, or all of them with -a. Each line shows \
                      the container's ID, image, command, creation time, status, published ports \
                      and name, as podman ps prints them; the status of a container with a \
                      healthcheck shows its health.\n\n\
                      --filter selects containers by id, name, label, status, exit code, image \
                      (ancestor) or restart policy; a key given twice matches either value, and \
                      different keys must all match. --format takes json or a Go template such as \
                      '{{.ID}} {{.Names}}', where a leading table prints a header and aligns the \
                      columns.",
        examples: &[
            ("List the running containers", "berth ps"),
            ("List every container, stopped ones too", "berth ps -a"),
            (
                "Print the IDs of the containers that have exited",
                "berth ps -a -q --filter status=exited",
            ),
            (
                "List the containers of one image, with a template",
                "berth ps --filter ancestor=docker.io/library/nginx:1.27 --format '{{.ID}} {{.Names}} {{.Status}}'",
            ),
            ("List every container as JSON", "berth ps -a --format json"),
        ],
    },
    Page {
        path: "pull",
        description: "Pull an image from a registry into local storage, by tag or by digest, and \
                      print its ID; progress goes to standard error. OCI and Docker manifests, \
                      manifest lists and indexes are understood: from a multi-platform image \
                      berth takes this host's platform, unless --platform (or --arch, --os, \
                      --variant) names another. Layers \
                      the store already has are not fetched again.\n\n\
                      Registries are configured as for Podman, in registries.conf (search \
                      registries for short names, aliases, mirrors). Registries on localhost and \
                      127.0.0.1 may speak plain HTTP; --tls-verify=false allows it, and any \
                      certificate, for others.",
        examples: &[
            ("Pull an image", "berth pull docker.io/library/alpine"),
            ("Pull an image by tag", "berth pull docker.io/library/nginx:1.27"),
            (
                "Pull the image of another platform",
                "berth pull --platform linux/arm64 docker.io/library/alpine:3.20",
            ),
            (
                "Pull every tag of a repository, printing only the IDs",
                "berth pull -q -a registry.example.com/team/app",
            ),
            (
                "Pull from a registry, with credentials given on the command line",
                "berth pull --creds deploy:secret registry.example.com/team/app:1.0",
            ),
        ],
    },
    Page {
        path: "push",
        description: "Push an image from local storage to a registry, under its own name or the \
                      DESTINATION given, and print the digest of the manifest pushed. Blobs that \
                      the registry has already are not sent again, and those of another \
                      repository of the same registry are mounted rather than sent.\n\n\
                      The manifest has the image's own format unless --format says oci or v2s2 \
                      (Docker's); layers are compressed with gzip, or zstd with \
                      --compression-format. Credentials come from the authentication file (see \
                      berth login) or from --creds.",
        examples: &[
            ("Push an image under its own name", "berth push registry.example.com/team/app:1.0"),
            (
                "Push a local image under another name",
                "berth push localhost/myapp:1.0 registry.example.com/team/app:1.0",
            ),
            ("Push to a local registry", "berth push localhost:5000/myapp:1.0"),
            (
                "Push with Docker's manifest format",
                "berth push --format v2s2 localhost/myapp:1.0 registry.example.com/team/app:1.0",
            ),
            (
                "Push zstd-compressed layers and keep the digest in a file",
                "berth push --compression-format zstd --digestfile app.digest registry.example.com/team/app:1.0",
            ),
        ],
    },
    Page {
        path: "rename",
        description: "Give a container another name. The container may be running or stopped, and \
                      its old name is free at once.",
        examples: &[
            ("Rename a container", "berth rename web web-old"),
            ("Give a container a name to find it by", "berth rename builder builder-1"),
        ],
    },
    Page {
        path: "restart",
        description: "Stop containers and start them again, in the background: each gets its stop \
                      signal, then SIGKILL once the timeout has passed (-t seconds; default: the \
                      container's --stop-timeout, else 10), and is started detached. berth prints \
                      each container as named once it runs again.",
        examples: &[
            ("Restart a container", "berth restart web"),
            (
                "Restart two containers, giving each 30 seconds to stop",
                "berth restart -t 30 web db",
            ),
        ],
    },
    Page {
        path: "rm",
        description: "Remove containers and their writable layers. A running container is refused \
                      unless -f is given, which kills it (with -t, it gets its stop signal and \
                      that many seconds first). -v removes the containers' anonymous volumes too; \
                      named volumes stay.\n\n\
                      berth prints each container removed, as named. When one fails, the others \
                      are still removed, and the exit code is 1 when a container does not exist \
                      (unless -f or -i), 2 when one is running (without -f), else 125.",
        examples: &[
            ("Remove a stopped container", "berth rm web"),
            ("Remove a container, killing it if it runs", "berth rm -f web"),
            (
                "Stop a running container with 10 seconds of grace, then remove it",
                "berth rm -f -t 10 db",
            ),
            ("Remove every container and their anonymous volumes", "berth rm -a -v"),
        ],
    },
    Page {
        path: "rmi",
        description: "Remove images from local storage. berth prints an Untagged line for each \
                      name removed and a Deleted line for each image deleted. An image that has \
                      several names is removed by ID only with -f; -a removes every image.\n\n\
                      An image that does not exist makes berth exit 1, unless -i is given.",
        examples: &[
            ("Remove an image", "berth rmi docker.io/library/alpine"),
            (
                "Remove two images, with no error for one that is not there",
                "berth rmi -i localhost/myapp:1.0 localhost/myapp:0.9",
            ),
            ("Remove an image with several names, given by ID", "berth rmi -f 3f2a9c1e7b04"),
            ("Remove every image", "berth rmi -a"),
        ],
    },
    Page {
        path: "run",
        description: "Run a command in a new container from an image, pulling the image first \
                      when it is missing (--pull says when). In the foreground berth returns the \
                      command's exit code; with -d the container runs in the background, berth \
                      prints its ID once the program runs, and berth logs shows its output.\n\n\
                      berth runs the container itself, without an OCI runtime, rootless by \
                      default: in user, mount, pid, uts, ipc and network namespaces of its own, \
                      over an overlay of the image's layers. It joins the default network berth \
                      (also called bridge), with outbound access; -p publishes its ports on the \
                      host, and --network puts it on other networks or in another mode. Rootless, \
                      the user is root inside the container, unless --userns keep-id keeps the \
                      user's own uid and gid.\n\n\
                      When berth cannot make the container or start its command, it exits with \
                      125, 126 or 127, as Podman does.",
        examples: &[
            (
                "Run a command in a container removed when it exits",
                "berth run --rm docker.io/library/alpine echo hello",
            ),
            ("Start an interactive shell", "berth run -it --rm docker.io/library/alpine sh"),
            (
                "Run a web server in the background, published on host port 8080",
                "berth run -d --name web -p 8080:80 docker.io/library/nginx:1.27",
            ),
            (
                "Run a database with a named volume and a restart policy",
                "berth run -d --name db -v dbdata:/var/lib/postgresql/data -e POSTGRES_PASSWORD=example --restart on-failure:3 docker.io/library/postgres:16",
            ),
            (
                "Run on a network of your own, with a read-only root, as yourself",
                "berth run --rm --network appnet --read-only --userns keep-id docker.io/library/alpine id",
            ),
            (
                "Run a container in a new pod, whose other containers reach it on localhost",
                "berth run -d --pod new:web -p 8080:80 --name app docker.io/library/nginx:1.27",
            ),
        ],
    },
    Page {
        path: "save",
        description: "Save images to an archive that docker load and podman load read with the \
                      same image IDs: docker-archive (the default) or oci-archive, whose layers \
                      berth leaves uncompressed. The archive goes to the file given with -o, \
                      which it replaces and never leaves half written, or to standard output, \
                      which must not be a terminal.",
        examples: &[
            ("Save an image to a file", "berth save -o app.tar localhost/myapp:1.0"),
            (
                "Save two images to one archive",
                "berth save -o images.tar docker.io/library/nginx:1.27 docker.io/library/alpine",
            ),
            (
                "Save an image as an oci-archive",
                "berth save --format oci-archive -o app-oci.tar localhost/myapp:1.0",
            ),
        ],
    },
    Page {
        path: "start",
        description: "Start containers that are not running, in the background, and print each \
                      one as named once it runs. With -a berth attaches to the output of the one \
                      container named, waits for it and exits with its exit code; -i also \
                      connects standard input, for a container created with -i.\n\n\
                      --all starts every container that is not running and matches the --filter \
                      options (those of berth ps), except an unless-stopped one that a user \
                      stopped, as Docker does after a reboot. When a container fails to start, \
                      the others are still started, and the exit code is the last failure's.",
        examples: &[
            ("Start a created or stopped container", "berth start web"),
            ("Start a container and wait for it, showing its output", "berth start -a builder"),
            (
                "Start a container created with -i, connected to its input and output",
                "berth start -ai shell",
            ),
            (
                "Start the containers that Docker would start after a reboot",
                "berth start --all --filter restart-policy=always --filter restart-policy=unless-stopped",
            ),
        ],
    },
    Page {
        path: "stop",
        description: "Stop running containers: each gets its stop signal (the one run \
                      --stop-signal set, else the image's STOPSIGNAL, else SIGTERM), then SIGKILL \
                      once the timeout has passed (-t seconds; default: the container's \
                      --stop-timeout, else 10). berth prints each container as named once it has \
                      stopped. It reaches containers in the foreground too.\n\n\
                      A stop by a user ends a container for good: its restart policy does not \
                      start it again.",
        examples: &[
            ("Stop a container", "berth stop web"),
            ("Give a database 30 seconds to shut down", "berth stop -t 30 db"),
            (
                "Stop two containers, killing them unless they exit at once",
                "berth stop -t 0 web db",
            ),
        ],
    },
    Page {
        path: "system",
        description: "Manage the store: show its disk usage, verify and repair it, remove unused \
                      data or everything, and show information about the host and the events of \
                      the store.",
        examples: &[
            ("Show the disk usage of the store", "berth system df"),
            ("Remove unused data without a question", "berth system prune -f"),
        ],
    },
    Page {
        path: "system check",
        description: "Verify the store: every blob and layer is checked against its digest, each \
                      layer's tar rebuilt from its files to compare it (--quick skips this, the \
                      slow part). berth prints each problem found and then fails; with --repair \
                      it removes the damaged layers and blobs and the images that need them, and \
                      prints what it removed. Space left in the store's tmp directory by \
                      processes that died is reported as reclaimable.",
        examples: &[
            ("Verify the store", "berth system check"),
            ("Verify the store quickly, without rebuilding layers", "berth system check --quick"),
            ("Verify the store and remove what is broken", "berth system check --repair"),
        ],
    },
    Page {
        path: "system df",
        description: "Show the disk usage of images (each layer counted once), containers (their \
                      writable layers) and volumes: how many there are, how many are active (used \
                      by a container), their size, and how much of it no container uses and could \
                      be reclaimed.\n\n\
                      --format takes json or a Go template with the fields Type, Total, Active, \
                      Size and Reclaimable, rendered once per line.",
        examples: &[
            ("Show the disk usage of the store", "berth system df"),
            ("Print it as JSON", "berth system df --format json"),
            (
                "Print the reclaimable bytes of each type",
                "berth system df --format '{{.Type}} {{.Reclaimable}}'",
            ),
        ],
    },
    Page {
        path: "system prune",
        description: "Remove unused data: every stopped container, dangling images (with -a, \
                      every image that no container uses), every layer that no image uses, and \
                      with --volumes every volume that no container uses. berth asks for \
                      confirmation first unless -f is given, then prints what it deleted and the \
                      space reclaimed.",
        examples: &[
            ("Remove unused data, after a question", "berth system prune"),
            ("Remove every unused image too, without a question", "berth system prune -a -f"),
            ("Remove the unused volumes too", "berth system prune --volumes -f"),
        ],
    },
    Page {
        path: "system reset",
        description: "Remove every image, layer and container, and the store itself, after asking \
                      for confirmation (-f does not ask). The question names the store that \
                      --root (or BERTH_ROOT) chose.",
        examples: &[
            ("Remove everything, after a question", "berth system reset"),
            ("Remove everything without a question", "berth system reset -f"),
            ("Remove a store kept in another directory", "berth --root ./store system reset -f"),
        ],
    },
    Page {
        path: "tag",
        description: "Add names to an image in local storage, given by name or ID. A name that \
                      another image had moves to this one; a name without a registry is local \
                      (localhost/NAME). berth prints nothing.",
        examples: &[
            (
                "Give an image the name to push it under",
                "berth tag localhost/myapp:1.0 registry.example.com/team/app:1.0",
            ),
            (
                "Give an image two more names",
                "berth tag docker.io/library/alpine localhost:5000/alpine:3 alpine:local",
            ),
        ],
    },
    Page {
        path: "unmount",
        description: "Unmount containers' root file systems mounted by berth mount, and print \
                      each container unmounted; -a unmounts every mounted container. berth keeps \
                      no mount count, so one unmount is enough; -f is taken for Podman's sake. \
                      The command is also called umount.",
        examples: &[
            ("Unmount a container's root file system", "berth unmount web"),
            ("Unmount every mounted container", "berth unmount -a"),
        ],
    },
    Page {
        path: "unshare",
        description: "Run a command in berth's user namespace, where the user's subordinate ids \
                      are mapped (or the user alone), with a mount namespace of its own and \
                      BERTH_ROOT and BERTH_RUNROOT set. Without a command, the user's shell runs; \
                      berth exits with the command's exit code.\n\n\
                      It is the user namespace in which rootless berth reads and writes the files \
                      of layers. There, berth mount works for a rootless user, the mount lasting \
                      as long as the command.",
        examples: &[
            ("Open a shell in berth's user namespace", "berth unshare"),
            ("Show how the user's ids are mapped", "berth unshare cat /proc/self/uid_map"),
            ("Show who the user is inside", "berth unshare id"),
        ],
    },
    Page {
        path: "untag",
        description: "Remove names from an image in local storage, or all of its names when none \
                      is given. The image itself stays, even without a name; berth rmi removes \
                      it.",
        examples: &[
            (
                "Remove one name of an image",
                "berth untag localhost/myapp:1.0 registry.example.com/team/app:1.0",
            ),
            ("Remove every name of an image", "berth untag localhost/myapp:1.0"),
        ],
    },
    Page {
        path: "version",
        description: "Display berth's version and the platform it runs on (Version and OS/Arch). \
                      --format json prints them as JSON, and a Go template reads the fields \
                      Version and OsArch.",
        examples: &[
            ("Show the version", "berth version"),
            ("Print only the version number", "berth version --format '{{.Version}}'"),
            ("Print the version as JSON", "berth version -f json"),
        ],
    },
    Page {
        path: "volume",
        description: "Manage named volumes, kept in the store. A volume is made on first use by \
                      run -v NAME:/path or --mount type=volume, and the first container that \
                      mounts it fills it from the image at that path; it outlives the containers \
                      that use it.",
        examples: &[
            ("Create a volume", "berth volume create dbdata"),
            ("List the volumes", "berth volume ls"),
        ],
    },
    Page {
        path: "volume create",
        description: "Create a named volume in the store and print its name, a random one when \
                      none is given. Labels and driver options are kept, and volume inspect shows \
                      them; --ignore succeeds, doing nothing, when the volume exists. A volume is \
                      also made on first use by run -v NAME:/path.",
        examples: &[
            ("Create a volume", "berth volume create dbdata"),
            ("Create a volume with a label", "berth volume create -l app=web webdata"),
            ("Create a volume unless it exists", "berth volume create --ignore dbdata"),
        ],
    },
    Page {
        path: "volume exists",
        description: "Check whether a volume exists, by name: berth exits 0 when it does and 1 \
                      when it does not, and prints nothing.",
        examples: &[
            ("Check that a volume exists", "berth volume exists dbdata"),
            ("Check for another volume", "berth volume exists webdata"),
        ],
    },
    Page {
        path: "volume export",
        description: "Write a volume's contents as a tar, to the file given with -o, or to \
                      standard output, which must not be a terminal.",
        examples: &[
            ("Write a volume's contents to a tar file", "berth volume export -o dbdata.tar dbdata"),
            ("Back up another volume", "berth volume export --output webdata.tar webdata"),
        ],
    },
    Page {
        path: "volume import",
        description: "Unpack a tar (plain, gzip, zstd or xz, or - for standard input) into a \
                      volume, over what the volume holds. A bad tar changes nothing.",
        examples: &[
            ("Unpack a tar file into a volume", "berth volume import dbdata dbdata.tar"),
            ("Unpack a compressed tar", "berth volume import webdata site.tar.gz"),
            ("Unpack a tar read from standard input", "berth volume import dbdata -"),
        ],
    },
    Page {
        path: "volume inspect",
        description: "Display the configuration of volumes as a JSON array with Podman's keys \
                      (Name, Driver, Mountpoint, CreatedAt, Labels, Options and more). --format \
                      takes a Go template, rendered once per volume.",
        examples: &[
            ("Show everything about a volume", "berth volume inspect dbdata"),
            (
                "Print where a volume's files are",
                "berth volume inspect --format '{{.Mountpoint}}' dbdata",
            ),
        ],
    },
    Page {
        path: "volume ls",
        description: "List volumes with their driver and name. --filter selects by name, label or \
                      dangling (dangling=true: no container uses it); -q prints only names; \
                      --format takes json or a Go template.",
        examples: &[
            ("List the volumes", "berth volume ls"),
            (
                "Print the names of the volumes no container uses",
                "berth volume ls -q --filter dangling=true",
            ),
            (
                "List names and mount points with a template",
                "berth volume ls --format '{{.Name}} {{.Mountpoint}}'",
            ),
        ],
    },
    Page {
        path: "volume prune",
        description: "Remove every volume that no container uses, or only those of them that \
                      --filter matches (by label or name), after asking for confirmation (-f does \
                      not ask), and print the name of each volume removed.",
        examples: &[
            ("Remove the unused volumes, after a question", "berth volume prune"),
            (
                "Remove the unused volumes of one label without a question",
                "berth volume prune -f --filter label=app=web",
            ),
        ],
    },
    Page {
        path: "volume rm",
        description: "Remove volumes and print each one removed. A volume that a container uses \
                      is refused, unless -f is given, which removes those containers first and \
                      skips volumes that do not exist.\n\n\
                      Without -f, a volume that does not exist makes berth exit 1, and nothing is \
                      removed; other errors exit 125.",
        examples: &[
            ("Remove a volume", "berth volume rm dbdata"),
            (
                "Remove two volumes and the containers that use them",
                "berth volume rm -f webdata cache",
            ),
        ],
    },
    Page {
        path: "wait",
        description: "Wait for containers to exit and print the exit code of each, one line per \
                      container, in the order given.\n\n\
                      --condition waits for another state: running, stopped (or exited), healthy \
                      or unhealthy; given more than once, any of them will do. For a condition \
                      other than stopped, berth prints -1.",
        examples: &[
            ("Wait for a container to exit and print its exit code", "berth wait builder"),
            ("Wait until a container's healthcheck passes", "berth wait --condition healthy db"),
            ("Wait for two containers", "berth wait web db"),
        ],
    },
];
