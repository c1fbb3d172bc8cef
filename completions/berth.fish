# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_berth_global_optspecs
    string join \n root= runroot= log-level= out= noout runtime-flag= h/help V/version
end

function __fish_berth_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_berth_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_berth_using_subcommand
    set -l cmd (__fish_berth_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c berth -n "__fish_berth_needs_command" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_needs_command" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_needs_command" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_needs_command" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_needs_command" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_needs_command" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c berth -n "__fish_berth_needs_command" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_needs_command" -f -a "build" -d 'Build an image from a Dockerfile'
complete -c berth -n "__fish_berth_needs_command" -f -a "images" -d 'List images in local storage'
complete -c berth -n "__fish_berth_needs_command" -f -a "history" -d 'Show the history of an image'
complete -c berth -n "__fish_berth_needs_command" -f -a "explore" -d 'Explore an image\'s layers: what each adds, changes, removes and wastes'
complete -c berth -n "__fish_berth_needs_command" -f -a "inspect" -d 'Display the configuration of images'
complete -c berth -n "__fish_berth_needs_command" -f -a "load" -d 'Load images from an archive (docker-archive or oci-archive)'
complete -c berth -n "__fish_berth_needs_command" -f -a "save" -d 'Save images to an archive (docker-archive or oci-archive)'
complete -c berth -n "__fish_berth_needs_command" -f -a "import" -d 'Create an image from a tarball of a root file system'
complete -c berth -n "__fish_berth_needs_command" -f -a "tag" -d 'Add names to an image'
complete -c berth -n "__fish_berth_needs_command" -f -a "untag" -d 'Remove names from an image'
complete -c berth -n "__fish_berth_needs_command" -f -a "rmi" -d 'Remove images'
complete -c berth -n "__fish_berth_needs_command" -f -a "image" -d 'Manage images'
complete -c berth -n "__fish_berth_needs_command" -f -a "system" -d 'Manage the store'
complete -c berth -n "__fish_berth_needs_command" -f -a "pull" -d 'Pull an image from a registry'
complete -c berth -n "__fish_berth_needs_command" -f -a "push" -d 'Push an image to a registry'
complete -c berth -n "__fish_berth_needs_command" -f -a "login" -d 'Log in to a registry'
complete -c berth -n "__fish_berth_needs_command" -f -a "logout" -d 'Log out of a registry'
complete -c berth -n "__fish_berth_needs_command" -f -a "manifest" -d 'Inspect manifests in registries'
complete -c berth -n "__fish_berth_needs_command" -f -a "info" -d 'Display information about the host and the store'
complete -c berth -n "__fish_berth_needs_command" -f -a "events" -d 'Show events: past ones, and new ones as they happen'
complete -c berth -n "__fish_berth_needs_command" -f -a "version" -d 'Display the berth version'
complete -c berth -n "__fish_berth_needs_command" -f -a "completion" -d 'Generate a shell completion script'
complete -c berth -n "__fish_berth_needs_command" -f -a "run" -d 'Run a command in a new container'
complete -c berth -n "__fish_berth_needs_command" -f -a "create" -d 'Create a container without starting it'
complete -c berth -n "__fish_berth_needs_command" -f -a "start" -d 'Start a created container'
complete -c berth -n "__fish_berth_needs_command" -f -a "ps" -d 'List containers'
complete -c berth -n "__fish_berth_needs_command" -f -a "rm" -d 'Remove containers'
complete -c berth -n "__fish_berth_needs_command" -f -a "diff" -d 'Show the changes of a container\'s file system'
complete -c berth -n "__fish_berth_needs_command" -f -a "commit" -d 'Create an image from a container\'s changes'
complete -c berth -n "__fish_berth_needs_command" -f -a "cp" -d 'Copy files between a container and the host'
complete -c berth -n "__fish_berth_needs_command" -f -a "export" -d 'Write a container\'s file system as a tar'
complete -c berth -n "__fish_berth_needs_command" -f -a "rename" -d 'Give a container another name'
complete -c berth -n "__fish_berth_needs_command" -f -a "attach" -d 'Attach to a running container\'s terminal or output'
complete -c berth -n "__fish_berth_needs_command" -f -a "exec" -d 'Run a command in a running container'
complete -c berth -n "__fish_berth_needs_command" -f -a "logs" -d 'Show the output of a container'
complete -c berth -n "__fish_berth_needs_command" -f -a "stop" -d 'Stop running containers (the stop signal, then SIGKILL)'
complete -c berth -n "__fish_berth_needs_command" -f -a "kill" -d 'Send a signal to running containers'
complete -c berth -n "__fish_berth_needs_command" -f -a "wait" -d 'Wait for containers to exit and print their exit codes'
complete -c berth -n "__fish_berth_needs_command" -f -a "restart" -d 'Stop and start containers again (detached)'
complete -c berth -n "__fish_berth_needs_command" -f -a "healthcheck" -d 'Run containers\' healthchecks'
complete -c berth -n "__fish_berth_needs_command" -f -a "port" -d 'List the published ports of a container'
complete -c berth -n "__fish_berth_needs_command" -f -a "mount" -d 'Mount containers\' root file systems and print where'
complete -c berth -n "__fish_berth_needs_command" -f -a "unmount" -d 'Unmount containers\' root file systems'
complete -c berth -n "__fish_berth_needs_command" -f -a "umount" -d 'Unmount containers\' root file systems'
complete -c berth -n "__fish_berth_needs_command" -f -a "unshare" -d 'Run a command in berth\'s user namespace, with a mount namespace of its own'
complete -c berth -n "__fish_berth_needs_command" -f -a "container" -d 'Manage containers'
complete -c berth -n "__fish_berth_needs_command" -f -a "network" -d 'Manage networks'
complete -c berth -n "__fish_berth_needs_command" -f -a "volume" -d 'Manage volumes'
complete -c berth -n "__fish_berth_needs_command" -f -a "internal-init" -d 'Arguments of the hidden `internal-init` mode'
complete -c berth -n "__fish_berth_needs_command" -f -a "internal-exec" -d 'Arguments of the hidden `internal-init` mode'
complete -c berth -n "__fish_berth_needs_command" -f -a "internal-start" -d 'Arguments of the hidden `internal-start` mode'
complete -c berth -n "__fish_berth_needs_command" -f -a "internal-netns" -d 'Arguments of the hidden `internal-netns` mode: the holder of berth\'s network namespace for the state dir `dir`, serving the containers of the store\'s `containers` dir'
complete -c berth -n "__fish_berth_using_subcommand build" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand build" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand build" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand build" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand build" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand build" -s f -l file -d 'The Dockerfile (default: CONTEXT/Dockerfile, else CONTEXT/Containerfile); `-` reads it from standard input' -r -F
complete -c berth -n "__fish_berth_using_subcommand build" -s t -l tag -d 'A name for the image (repeatable); without a registry it is local (localhost/NAME:TAG)' -r
complete -c berth -n "__fish_berth_using_subcommand build" -l build-arg -d 'A build argument, KEY=VALUE or KEY (value from the environment)' -r
complete -c berth -n "__fish_berth_using_subcommand build" -l label -d 'A label for the image (repeatable)' -r
complete -c berth -n "__fish_berth_using_subcommand build" -l target -d 'The stage to build (default: the last)' -r
complete -c berth -n "__fish_berth_using_subcommand build" -l iidfile -d 'Write the image ID to this file' -r -F
complete -c berth -n "__fish_berth_using_subcommand build" -l network -d 'The network of RUN instructions: default (outbound access), none, host, private, pasta, slirp4netns, or a berth network\'s name' -r
complete -c berth -n "__fish_berth_using_subcommand build" -l platform -d 'The platform to build for (only this host\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand build" -l secret -d 'A secret for RUN --mount=type=secret: id=ID,src=PATH' -r
complete -c berth -n "__fish_berth_using_subcommand build" -l format -d 'The image\'s manifest format: oci, or docker (Docker\'s schema 2, which `push` then sends)' -r -f -a "oci\t''
docker\t''"
complete -c berth -n "__fish_berth_using_subcommand build" -l layers -d 'Keep a layer per instruction and use the step cache (`--layers=false`: one layer for what the build adds, every step run again)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand build" -l timestamp -d 'Every time in the image (configs, history, files) is this one, in seconds since the epoch, so the same sources give the same image' -r
complete -c berth -n "__fish_berth_using_subcommand build" -l dry-run-format -d 'With --dry-run: `json` prints one object per instruction' -r -f -a "json\t''"
complete -c berth -n "__fish_berth_using_subcommand build" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand build" -l creds -d 'Credentials (USERNAME:PASSWORD) to use instead of stored ones' -r
complete -c berth -n "__fish_berth_using_subcommand build" -l authfile -d 'Path of the authentication file (default: Podman\'s auth.json)' -r -F
complete -c berth -n "__fish_berth_using_subcommand build" -l cert-dir -d 'A directory of TLS certificates: `*.crt` CAs, `NAME.cert` with `NAME.key` the client\'s (default: the registry\'s dir in `certs.d`)' -r -F
complete -c berth -n "__fish_berth_using_subcommand build" -l retry -d 'Retries of a failed request to a registry (default 4)' -r
complete -c berth -n "__fish_berth_using_subcommand build" -l retry-delay -d 'The pause between retries, a Go duration such as `2s` (default: exponential backoff from 0.5 s)' -r
complete -c berth -n "__fish_berth_using_subcommand build" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand build" -s q -l quiet -d 'Print only the image ID'
complete -c berth -n "__fish_berth_using_subcommand build" -l no-cache -d 'Do not use cached steps (they are replaced)'
complete -c berth -n "__fish_berth_using_subcommand build" -l explore -d 'Explore the built image\'s layers right away (as `berth explore`: the interactive view on a terminal, the CI gate with CI=true)'
complete -c berth -n "__fish_berth_using_subcommand build" -l pull -d 'Pull FROM images even when they are in local storage'
complete -c berth -n "__fish_berth_using_subcommand build" -l squash -d 'Make the layers the build adds one layer (its base\'s stay)'
complete -c berth -n "__fish_berth_using_subcommand build" -l squash-all -d 'Make the whole image one layer, its base\'s included'
complete -c berth -n "__fish_berth_using_subcommand build" -l dry-run -d 'Parse the Dockerfile and print its instructions; run nothing'
complete -c berth -n "__fish_berth_using_subcommand build" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand build" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand images" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand images" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand images" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand images" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand images" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand images" -s f -l filter -d 'Filter: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE, label=K[=V], id=ID' -r
complete -c berth -n "__fish_berth_using_subcommand images" -l sort -d 'Sort by created, id, repository, tag or size' -r
complete -c berth -n "__fish_berth_using_subcommand images" -l format -d '`json`, or a Go template such as \'{{.Repository}}:{{.Tag}}\'' -r
complete -c berth -n "__fish_berth_using_subcommand images" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand images" -s a -l all -d 'Show all images (intermediate ones too)'
complete -c berth -n "__fish_berth_using_subcommand images" -s q -l quiet -d 'Show only image IDs'
complete -c berth -n "__fish_berth_using_subcommand images" -l digests -d 'Show digests'
complete -c berth -n "__fish_berth_using_subcommand images" -l no-trunc -d 'Do not truncate IDs'
complete -c berth -n "__fish_berth_using_subcommand images" -s n -l noheading -d 'Do not print the header'
complete -c berth -n "__fish_berth_using_subcommand images" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand images" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand history" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand history" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand history" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand history" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand history" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand history" -s H -l human -d 'Show sizes and dates in human form (`--human=false` for raw)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand history" -l format -d '`json`, or a Go template' -r
complete -c berth -n "__fish_berth_using_subcommand history" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand history" -l no-trunc -d 'Do not truncate the output'
complete -c berth -n "__fish_berth_using_subcommand history" -s q -l quiet -d 'Show only IDs'
complete -c berth -n "__fish_berth_using_subcommand history" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand history" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand explore" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand explore" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand explore" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand explore" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand explore" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand explore" -l source -d 'Where the image is: `berth` (local storage), `docker-archive` or `oci-archive` (a file)' -r -f -a "berth\t''
docker-archive\t''
oci-archive\t''"
complete -c berth -n "__fish_berth_using_subcommand explore" -l ci-config -d 'The rules file (dive\'s `.dive-ci` YAML: `rules:` with the three rule names), read in CI mode when it exists' -r -F
complete -c berth -n "__fish_berth_using_subcommand explore" -l lowestEfficiency -d 'CI rule: the lowest image efficiency allowed, a ratio 0-1, or `disabled` (default 0.9)' -r
complete -c berth -n "__fish_berth_using_subcommand explore" -l highestWastedBytes -d 'CI rule: the most bytes that may be wasted (`20MB`, `1GiB`), or `disabled` (the default)' -r
complete -c berth -n "__fish_berth_using_subcommand explore" -l highestUserWastedPercent -d 'CI rule: the highest ratio 0-1 of wasted bytes to the bytes the layers above the first add, or `disabled` (default 0.1)' -r
complete -c berth -n "__fish_berth_using_subcommand explore" -s j -l json -d 'Write the analysis to FILE as dive\'s JSON, and do nothing else' -r -F
complete -c berth -n "__fish_berth_using_subcommand explore" -l pull -d 'Pull the image: `missing` (default), `always` or `never`' -r
complete -c berth -n "__fish_berth_using_subcommand explore" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand explore" -l creds -d 'Credentials (USERNAME:PASSWORD) to use instead of stored ones' -r
complete -c berth -n "__fish_berth_using_subcommand explore" -l authfile -d 'Path of the authentication file (default: Podman\'s auth.json)' -r -F
complete -c berth -n "__fish_berth_using_subcommand explore" -l cert-dir -d 'A directory of TLS certificates: `*.crt` CAs, `NAME.cert` with `NAME.key` the client\'s (default: the registry\'s dir in `certs.d`)' -r -F
complete -c berth -n "__fish_berth_using_subcommand explore" -l retry -d 'Retries of a failed request to a registry (default 4)' -r
complete -c berth -n "__fish_berth_using_subcommand explore" -l retry-delay -d 'The pause between retries, a Go duration such as `2s` (default: exponential backoff from 0.5 s)' -r
complete -c berth -n "__fish_berth_using_subcommand explore" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand explore" -l ci -d 'Apply the CI rules instead of showing the view: print the figures and each rule\'s result, exit 1 when a rule fails (also when the environment has CI=true)'
complete -c berth -n "__fish_berth_using_subcommand explore" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand explore" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand inspect" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand inspect" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand inspect" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand inspect" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand inspect" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand inspect" -s f -l format -d '`json` (the default), or a Go template such as \'{{.Id}}\'' -r
complete -c berth -n "__fish_berth_using_subcommand inspect" -s t -l type -d 'What to look for: container, image, or all (a container wins over an image of the same name)' -r -f -a "container\t''
image\t''
all\t''"
complete -c berth -n "__fish_berth_using_subcommand inspect" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand inspect" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand load" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand load" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand load" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand load" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand load" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand load" -s i -l input -d 'Read from this archive instead of standard input' -r -F
complete -c berth -n "__fish_berth_using_subcommand load" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand load" -s q -l quiet -d 'Print nothing but errors'
complete -c berth -n "__fish_berth_using_subcommand load" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand load" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand save" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand save" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand save" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand save" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand save" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand save" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c berth -n "__fish_berth_using_subcommand save" -l format -d 'docker-archive (default) or oci-archive' -r -f -a "docker-archive\t''
oci-archive\t''"
complete -c berth -n "__fish_berth_using_subcommand save" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand save" -s q -l quiet -d 'Print nothing but errors'
complete -c berth -n "__fish_berth_using_subcommand save" -l uncompressed -d 'Keep the layers of an oci-archive uncompressed: berth always does (Podman compresses them unless this is given)'
complete -c berth -n "__fish_berth_using_subcommand save" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand save" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand import" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand import" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand import" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand import" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand import" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand import" -s c -l change -d 'Apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL)' -r
complete -c berth -n "__fish_berth_using_subcommand import" -s m -l message -d 'A commit message for the image history' -r
complete -c berth -n "__fish_berth_using_subcommand import" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand import" -s q -l quiet -d 'Print nothing but the image ID'
complete -c berth -n "__fish_berth_using_subcommand import" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand import" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand tag" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand tag" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand tag" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand tag" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand tag" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand tag" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand tag" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand tag" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand untag" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand untag" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand untag" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand untag" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand untag" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand untag" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand untag" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand untag" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand rmi" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand rmi" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand rmi" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand rmi" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand rmi" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand rmi" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand rmi" -s a -l all -d 'Remove all images'
complete -c berth -n "__fish_berth_using_subcommand rmi" -s f -l force -d 'Remove an image even when it has several names, given by ID'
complete -c berth -n "__fish_berth_using_subcommand rmi" -s i -l ignore -d 'Do not fail for images that do not exist'
complete -c berth -n "__fish_berth_using_subcommand rmi" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand rmi" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "build" -d 'Build an image from a Dockerfile'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "ls" -d 'List images in local storage'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "list" -d 'List images in local storage'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "rm" -d 'Remove images'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "remove" -d 'Remove images'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "inspect" -d 'Display the configuration of images'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "history" -d 'Show the history of an image'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "explore" -d 'Explore an image\'s layers: what each adds, changes, removes and wastes'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "load" -d 'Load images from an archive'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "save" -d 'Save images to an archive'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "import" -d 'Create an image from a tarball of a root file system'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "tag" -d 'Add names to an image'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "untag" -d 'Remove names from an image'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "prune" -d 'Remove unused images'
complete -c berth -n "__fish_berth_using_subcommand image; and not __fish_seen_subcommand_from build ls list rm remove inspect history explore load save import tag untag prune exists" -f -a "exists" -d 'Exit 0 if an image exists in local storage, 1 if not'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -s f -l file -d 'The Dockerfile (default: CONTEXT/Dockerfile, else CONTEXT/Containerfile); `-` reads it from standard input' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -s t -l tag -d 'A name for the image (repeatable); without a registry it is local (localhost/NAME:TAG)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l build-arg -d 'A build argument, KEY=VALUE or KEY (value from the environment)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l label -d 'A label for the image (repeatable)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l target -d 'The stage to build (default: the last)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l iidfile -d 'Write the image ID to this file' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l network -d 'The network of RUN instructions: default (outbound access), none, host, private, pasta, slirp4netns, or a berth network\'s name' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l platform -d 'The platform to build for (only this host\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l secret -d 'A secret for RUN --mount=type=secret: id=ID,src=PATH' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l format -d 'The image\'s manifest format: oci, or docker (Docker\'s schema 2, which `push` then sends)' -r -f -a "oci\t''
docker\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l layers -d 'Keep a layer per instruction and use the step cache (`--layers=false`: one layer for what the build adds, every step run again)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l timestamp -d 'Every time in the image (configs, history, files) is this one, in seconds since the epoch, so the same sources give the same image' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l dry-run-format -d 'With --dry-run: `json` prints one object per instruction' -r -f -a "json\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l creds -d 'Credentials (USERNAME:PASSWORD) to use instead of stored ones' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l authfile -d 'Path of the authentication file (default: Podman\'s auth.json)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l cert-dir -d 'A directory of TLS certificates: `*.crt` CAs, `NAME.cert` with `NAME.key` the client\'s (default: the registry\'s dir in `certs.d`)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l retry -d 'Retries of a failed request to a registry (default 4)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l retry-delay -d 'The pause between retries, a Go duration such as `2s` (default: exponential backoff from 0.5 s)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -s q -l quiet -d 'Print only the image ID'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l no-cache -d 'Do not use cached steps (they are replaced)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l explore -d 'Explore the built image\'s layers right away (as `berth explore`: the interactive view on a terminal, the CI gate with CI=true)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l pull -d 'Pull FROM images even when they are in local storage'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l squash -d 'Make the layers the build adds one layer (its base\'s stay)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l squash-all -d 'Make the whole image one layer, its base\'s included'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -l dry-run -d 'Parse the Dockerfile and print its instructions; run nothing'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from build" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE, label=K[=V], id=ID' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -l sort -d 'Sort by created, id, repository, tag or size' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -l format -d '`json`, or a Go template such as \'{{.Repository}}:{{.Tag}}\'' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all images (intermediate ones too)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Show only image IDs'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -l digests -d 'Show digests'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate IDs'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -s n -l noheading -d 'Do not print the header'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE, label=K[=V], id=ID' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -l sort -d 'Sort by created, id, repository, tag or size' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -l format -d '`json`, or a Go template such as \'{{.Repository}}:{{.Tag}}\'' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -s a -l all -d 'Show all images (intermediate ones too)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Show only image IDs'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -l digests -d 'Show digests'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -l no-trunc -d 'Do not truncate IDs'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -s n -l noheading -d 'Do not print the header'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from rm" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from rm" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from rm" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from rm" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from rm" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from rm" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove all images'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from rm" -s f -l force -d 'Remove an image even when it has several names, given by ID'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from rm" -s i -l ignore -d 'Do not fail for images that do not exist'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from remove" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from remove" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from remove" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from remove" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from remove" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from remove" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from remove" -s a -l all -d 'Remove all images'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from remove" -s f -l force -d 'Remove an image even when it has several names, given by ID'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from remove" -s i -l ignore -d 'Do not fail for images that do not exist'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from inspect" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from inspect" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from inspect" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from inspect" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from inspect" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from inspect" -s f -l format -d '`json` (the default), or a Go template such as \'{{.Id}}\'' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from inspect" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from inspect" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from history" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from history" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from history" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from history" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from history" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from history" -s H -l human -d 'Show sizes and dates in human form (`--human=false` for raw)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from history" -l format -d '`json`, or a Go template' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from history" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from history" -l no-trunc -d 'Do not truncate the output'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from history" -s q -l quiet -d 'Show only IDs'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from history" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l source -d 'Where the image is: `berth` (local storage), `docker-archive` or `oci-archive` (a file)' -r -f -a "berth\t''
docker-archive\t''
oci-archive\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l ci-config -d 'The rules file (dive\'s `.dive-ci` YAML: `rules:` with the three rule names), read in CI mode when it exists' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l lowestEfficiency -d 'CI rule: the lowest image efficiency allowed, a ratio 0-1, or `disabled` (default 0.9)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l highestWastedBytes -d 'CI rule: the most bytes that may be wasted (`20MB`, `1GiB`), or `disabled` (the default)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l highestUserWastedPercent -d 'CI rule: the highest ratio 0-1 of wasted bytes to the bytes the layers above the first add, or `disabled` (default 0.1)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -s j -l json -d 'Write the analysis to FILE as dive\'s JSON, and do nothing else' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l pull -d 'Pull the image: `missing` (default), `always` or `never`' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l creds -d 'Credentials (USERNAME:PASSWORD) to use instead of stored ones' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l authfile -d 'Path of the authentication file (default: Podman\'s auth.json)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l cert-dir -d 'A directory of TLS certificates: `*.crt` CAs, `NAME.cert` with `NAME.key` the client\'s (default: the registry\'s dir in `certs.d`)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l retry -d 'Retries of a failed request to a registry (default 4)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l retry-delay -d 'The pause between retries, a Go duration such as `2s` (default: exponential backoff from 0.5 s)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -l ci -d 'Apply the CI rules instead of showing the view: print the figures and each rule\'s result, exit 1 when a rule fails (also when the environment has CI=true)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from explore" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from load" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from load" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from load" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from load" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from load" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from load" -s i -l input -d 'Read from this archive instead of standard input' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from load" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from load" -s q -l quiet -d 'Print nothing but errors'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from load" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from load" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from save" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from save" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from save" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from save" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from save" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from save" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from save" -l format -d 'docker-archive (default) or oci-archive' -r -f -a "docker-archive\t''
oci-archive\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from save" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from save" -s q -l quiet -d 'Print nothing but errors'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from save" -l uncompressed -d 'Keep the layers of an oci-archive uncompressed: berth always does (Podman compresses them unless this is given)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from save" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from save" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from import" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from import" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from import" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from import" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from import" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from import" -s c -l change -d 'Apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL)' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from import" -s m -l message -d 'A commit message for the image history' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from import" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Print nothing but the image ID'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from tag" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from tag" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from tag" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from tag" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from tag" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from tag" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from tag" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from tag" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from untag" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from untag" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from untag" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from untag" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from untag" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from untag" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from untag" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from untag" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from prune" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from prune" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from prune" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from prune" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from prune" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from prune" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove every image, not only dangling ones'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from exists" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from exists" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from exists" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from exists" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from exists" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from exists" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand image; and __fish_seen_subcommand_from exists" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -f -a "df" -d 'Show disk usage of images, containers and volumes'
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -f -a "check" -d 'Verify the store; with --repair remove what is broken'
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -f -a "prune" -d 'Remove unused data'
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -f -a "reset" -d 'Remove every image, layer and container and the store itself'
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -f -a "info" -d 'Display information about the host and the store'
complete -c berth -n "__fish_berth_using_subcommand system; and not __fish_seen_subcommand_from df check prune reset info events" -f -a "events" -d 'Show events: past ones, and new ones as they happen'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from df" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from df" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from df" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from df" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from df" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from df" -l format -d '`json`, or a Go template' -r
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from df" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from df" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from df" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from check" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from check" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from check" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from check" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from check" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from check" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from check" -s r -l repair -d 'Remove damaged layers and blobs and the images that need them'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from check" -s q -l quick -d 'Skip rebuilding each layer\'s tar to compare it with its digest'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from prune" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from prune" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from prune" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from prune" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from prune" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from prune" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove every image not used by a container, not only dangling ones'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from prune" -l volumes -d 'Remove every volume no container uses too'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from reset" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from reset" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from reset" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from reset" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from reset" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from reset" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from reset" -s f -l force -d 'Do not ask for confirmation'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from reset" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from reset" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from info" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from info" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from info" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from info" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from info" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from info" -s f -l format -d '`json`, or a Go template such as \'{{.Store.GraphRoot}}\'' -r
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from info" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from info" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from info" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -s f -l filter -d 'Show only events that match: type=container|image|volume|network, event=STATUS, container=NAME|ID, image=NAME|ID, volume=NAME, network=NAME|ID, label=KEY[=VALUE] (repeat a key for either value)' -r
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -l format -d 'Format: json (one object per line), or a Go template (`{{.Type}} {{.Status}} {{.Name}}`)' -r
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -l since -d 'Show events from this time on: RFC 3339, Unix seconds, or a duration before now (10s, 5m, 2h)' -r
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -l until -d 'Show events up to this time (as --since, but a duration counts from now on); streaming stops then' -r
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -l stream -d 'Keep printing new events as they happen (--stream=false: print the past ones and exit)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand system; and __fish_seen_subcommand_from events" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand pull" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand pull" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand pull" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand pull" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand pull" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand pull" -l platform -d 'Platform to pick from a multi-platform image (os/arch[/variant])' -r
complete -c berth -n "__fish_berth_using_subcommand pull" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand pull" -l creds -d 'Credentials (USERNAME:PASSWORD) to use instead of stored ones' -r
complete -c berth -n "__fish_berth_using_subcommand pull" -l authfile -d 'Path of the authentication file (default: Podman\'s auth.json)' -r -F
complete -c berth -n "__fish_berth_using_subcommand pull" -l cert-dir -d 'A directory of TLS certificates: `*.crt` CAs, `NAME.cert` with `NAME.key` the client\'s (default: the registry\'s dir in `certs.d`)' -r -F
complete -c berth -n "__fish_berth_using_subcommand pull" -l retry -d 'Retries of a failed request to a registry (default 4)' -r
complete -c berth -n "__fish_berth_using_subcommand pull" -l retry-delay -d 'The pause between retries, a Go duration such as `2s` (default: exponential backoff from 0.5 s)' -r
complete -c berth -n "__fish_berth_using_subcommand pull" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand pull" -s a -l all-tags -d 'Pull every tag of the repository'
complete -c berth -n "__fish_berth_using_subcommand pull" -s q -l quiet -d 'Print only the image ID'
complete -c berth -n "__fish_berth_using_subcommand pull" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand pull" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand push" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand push" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand push" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand push" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand push" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand push" -s f -l format -d 'Manifest format: oci or v2s2 (Docker); default: the image\'s own' -r -f -a "oci\t''
v2s2\t''
docker\t''"
complete -c berth -n "__fish_berth_using_subcommand push" -l compression-format -d 'Compression of layers: gzip or zstd' -r -f -a "gzip\t''
zstd\t''"
complete -c berth -n "__fish_berth_using_subcommand push" -l digestfile -d 'Write the digest of the pushed manifest to this file' -r -F
complete -c berth -n "__fish_berth_using_subcommand push" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand push" -l creds -d 'Credentials (USERNAME:PASSWORD) to use instead of stored ones' -r
complete -c berth -n "__fish_berth_using_subcommand push" -l authfile -d 'Path of the authentication file (default: Podman\'s auth.json)' -r -F
complete -c berth -n "__fish_berth_using_subcommand push" -l cert-dir -d 'A directory of TLS certificates: `*.crt` CAs, `NAME.cert` with `NAME.key` the client\'s (default: the registry\'s dir in `certs.d`)' -r -F
complete -c berth -n "__fish_berth_using_subcommand push" -l retry -d 'Retries of a failed request to a registry (default 4)' -r
complete -c berth -n "__fish_berth_using_subcommand push" -l retry-delay -d 'The pause between retries, a Go duration such as `2s` (default: exponential backoff from 0.5 s)' -r
complete -c berth -n "__fish_berth_using_subcommand push" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand push" -s q -l quiet -d 'Print nothing but errors'
complete -c berth -n "__fish_berth_using_subcommand push" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand push" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand login" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand login" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand login" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand login" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand login" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand login" -s u -l username -d 'User name' -r
complete -c berth -n "__fish_berth_using_subcommand login" -s p -l password -d 'Password (visible in the process list; prefer --password-stdin)' -r
complete -c berth -n "__fish_berth_using_subcommand login" -l tls-verify -d 'Require HTTPS and verify certificates' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand login" -l authfile -d 'Path of the authentication file (default: Podman\'s auth.json)' -r -F
complete -c berth -n "__fish_berth_using_subcommand login" -l cert-dir -d 'A directory of TLS certificates (as for pull)' -r -F
complete -c berth -n "__fish_berth_using_subcommand login" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand login" -l password-stdin -d 'Read the password from standard input'
complete -c berth -n "__fish_berth_using_subcommand login" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand login" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand logout" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand logout" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand logout" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand logout" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand logout" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand logout" -l authfile -d 'Path of the authentication file (default: Podman\'s auth.json)' -r -F
complete -c berth -n "__fish_berth_using_subcommand logout" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand logout" -s a -l all -d 'Remove the credentials of every registry'
complete -c berth -n "__fish_berth_using_subcommand logout" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand logout" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand manifest; and not __fish_seen_subcommand_from inspect" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand manifest; and not __fish_seen_subcommand_from inspect" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand manifest; and not __fish_seen_subcommand_from inspect" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand manifest; and not __fish_seen_subcommand_from inspect" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand manifest; and not __fish_seen_subcommand_from inspect" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand manifest; and not __fish_seen_subcommand_from inspect" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand manifest; and not __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand manifest; and not __fish_seen_subcommand_from inspect" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand manifest; and not __fish_seen_subcommand_from inspect" -f -a "inspect" -d 'Print the manifest or index of an image in a registry'
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l creds -d 'Credentials (USERNAME:PASSWORD) to use instead of stored ones' -r
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l authfile -d 'Path of the authentication file (default: Podman\'s auth.json)' -r -F
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l cert-dir -d 'A directory of TLS certificates: `*.crt` CAs, `NAME.cert` with `NAME.key` the client\'s (default: the registry\'s dir in `certs.d`)' -r -F
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l retry -d 'Retries of a failed request to a registry (default 4)' -r
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l retry-delay -d 'The pause between retries, a Go duration such as `2s` (default: exponential backoff from 0.5 s)' -r
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -l raw -d 'Print the manifest exactly as the registry sent it'
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand manifest; and __fish_seen_subcommand_from inspect" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand info" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand info" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand info" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand info" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand info" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand info" -s f -l format -d '`json`, or a Go template such as \'{{.Store.GraphRoot}}\'' -r
complete -c berth -n "__fish_berth_using_subcommand info" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand info" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand info" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand events" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand events" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand events" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand events" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand events" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand events" -s f -l filter -d 'Show only events that match: type=container|image|volume|network, event=STATUS, container=NAME|ID, image=NAME|ID, volume=NAME, network=NAME|ID, label=KEY[=VALUE] (repeat a key for either value)' -r
complete -c berth -n "__fish_berth_using_subcommand events" -l format -d 'Format: json (one object per line), or a Go template (`{{.Type}} {{.Status}} {{.Name}}`)' -r
complete -c berth -n "__fish_berth_using_subcommand events" -l since -d 'Show events from this time on: RFC 3339, Unix seconds, or a duration before now (10s, 5m, 2h)' -r
complete -c berth -n "__fish_berth_using_subcommand events" -l until -d 'Show events up to this time (as --since, but a duration counts from now on); streaming stops then' -r
complete -c berth -n "__fish_berth_using_subcommand events" -l stream -d 'Keep printing new events as they happen (--stream=false: print the past ones and exit)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand events" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand events" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand events" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand version" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand version" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand version" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand version" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand version" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand version" -s f -l format -d '`json`, or a Go template such as \'{{.Version}}\'' -r
complete -c berth -n "__fish_berth_using_subcommand version" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand version" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand version" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand completion" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand completion" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand completion" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand completion" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand completion" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand completion" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand completion" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand completion" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand run" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand run" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand run" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand run" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand run" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l name -d 'Name of the container (default: a generated one)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -s a -l attach -d 'Attach to STDIN, STDOUT or STDERR (a foreground run is always attached to its output)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -s p -l publish -d 'Publish a container\'s port on the host: [IP:]HOSTPORT:CTRPORT[/tcp], or CTRPORT for a free host port' -r
complete -c berth -n "__fish_berth_using_subcommand run" -s e -l env -d 'Set an environment variable (KEY=VALUE, or KEY to take berth\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l env-file -d 'Read environment variables from a file (KEY=VALUE lines)' -r -F
complete -c berth -n "__fish_berth_using_subcommand run" -s l -l label -d 'Set a label on the container (KEY=VALUE, or KEY for an empty value)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l label-file -d 'Read labels from a file (KEY=VALUE lines; # starts a comment)' -r -F
complete -c berth -n "__fish_berth_using_subcommand run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c berth -n "__fish_berth_using_subcommand run" -s u -l user -d 'User to run as: uid[:gid] or name[:group]' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l entrypoint -d 'Override the image\'s entrypoint ("" clears it)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -s v -l volume -d 'Bind mount a host path (HOST-DIR:CONTAINER-DIR[:ro]) or mount a named volume, made on first use and filled from the image the first time it is mounted (NAME:CONTAINER-DIR[:ro][,nocopy][,U]; U gives its files to the container\'s user)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l volumes-from -d 'Mount the volumes and bind mounts of another container, at the same paths (:ro or :rw overrides their mode)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l tmpfs -d 'Mount a tmpfs: CONTAINER-DIR[:OPTIONS]' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l mount -d 'Attach a mount: type=bind,source=HOST,target=CTR[,readonly] [,bind-propagation=rprivate|…], type=volume,source=NAME,target=CTR[,readonly][,volume-nocopy] or type=tmpfs,target=CTR[,tmpfs-size=64m][,tmpfs-mode=1777]' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l userns -d 'User namespace: host (the default: rootless, the user is root inside) or keep-id (rootless: the user keeps its own uid and gid inside, and the process runs as the user)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l hostname -d 'Hostname of the container (default: its short id)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l network -d 'Network: a berth network by name (repeatable; default: the default network `berth`, also called `bridge`, with outbound access), or one mode: none, host, private (own namespace, loopback only), pasta[:OPTIONS], slirp4netns[:allow_host_loopback=true], container:NAME, ns:PATH' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l network-alias -d 'Another name of the container on its berth networks' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l ip -d 'The container\'s IPv4 address on its (first) berth network' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l ip6 -d 'The container\'s IPv6 address on its (first) berth network, which must have IPv6' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l mac-address -d 'The container\'s MAC address on its (first) berth network' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l add-host -d 'Add a line to /etc/hosts: NAME:IP, or NAME:host-gateway' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l dns -d 'A nameserver for /etc/resolv.conf (replaces the host\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l dns-search -d 'A search domain for /etc/resolv.conf (`.` for none)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l dns-option -d 'An option for /etc/resolv.conf' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l cap-add -d 'Add a capability (e.g. NET_RAW, or ALL)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l security-opt -d 'Security options: seccomp=unconfined, seccomp=PROFILE.json (a Docker/Podman profile), no-new-privileges[=true|false], label=disable (SELinux options are ignored), apparmor=unconfined' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l stop-signal -d 'Signal that stops the container (default: the image\'s STOPSIGNAL, else SIGTERM)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l stop-timeout -d 'Seconds `stop` waits for the stop signal to end the container before SIGKILL (default 10)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l timeout -d 'Kill the container (SIGKILL) once it has run this many seconds (0: never)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l pid -d 'The pid namespace: private (the default), host, or container:NAME (another running container\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l uidmap -d 'Run in a user namespace of its own with this uid map: COUNT ids from CONTAINER inside are HOST and on outside (repeatable; as root; without --gidmap it serves for both)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l gidmap -d 'The gid map, as --uidmap' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l cidfile -d 'Write the container\'s id to this file (which must not exist)' -r -F
complete -c berth -n "__fish_berth_using_subcommand run" -l ulimit -d 'A resource limit of the process: NAME=SOFT[:HARD] (nofile, nproc, core, memlock, stack …; -1 is unlimited), or host' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l shm-size -d 'Size of /dev/shm (bytes, or a number with k, m, g; default 64m)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l sysctl -d 'Set a namespaced sysctl: net.*, kernel.shm*, kernel.msg*, kernel.sem, kernel.domainname, fs.mqueue.*' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l device -d 'Give the container a host device: HOST[:CONTAINER[:PERMS]] (the node is bound; its own mode decides access, as rootless Podman: berth keeps no device cgroup to enforce PERMS)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l group-add -d 'Another supplementary group of the process (a name in the image\'s /etc/group, or a number), or keep-groups: keep the groups berth runs with (rootless: reach the user\'s group-owned files)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l tz -d 'The container\'s time zone: local (the host\'s) or a zone such as Europe/Paris, given as /etc/localtime' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l log-driver -d 'Where the output is kept: k8s-file (the default; json-file is taken as k8s-file, as Podman does), none, or passthrough (the container writes to berth\'s own stdout and stderr; foreground only; no log)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l log-opt -d 'A log driver\'s option: max-size=SIZE (the log starts over when a record would take it past SIZE)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l restart -d 'Restart policy of a detached container when its program exits: no, on-failure[:MAX-RETRIES], always or unless-stopped (a stop or kill by a user ends it for good)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l health-cmd -d 'The healthcheck\'s command: a shell command, a JSON array (the program and its arguments), or none (over the image\'s HEALTHCHECK)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l health-interval -d 'Time between two probes (default 30s; disable: only `healthcheck run` probes)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l health-timeout -d 'How long a probe may take before it counts as failed (default 30s)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l health-retries -d 'Failures in a row that make the container unhealthy (default 3)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l health-start-period -d 'Time after the start in which failures do not count (default 0s)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l health-start-interval -d 'Time between two probes in the start period (default 5s)' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l health-on-failure -d 'What to do when the container turns unhealthy: none, kill, restart or stop' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l pull -d 'Pull the image: always, missing (when not in local storage) or never' -r
complete -c berth -n "__fish_berth_using_subcommand run" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand run" -l rm -d 'Remove the container when it exits'
complete -c berth -n "__fish_berth_using_subcommand run" -s q -l quiet -d 'Say nothing while pulling the image'
complete -c berth -n "__fish_berth_using_subcommand run" -s i -l interactive -d 'Keep standard input open and connect it to the container'
complete -c berth -n "__fish_berth_using_subcommand run" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c berth -n "__fish_berth_using_subcommand run" -s d -l detach -d 'Run in the background and print the container\'s ID'
complete -c berth -n "__fish_berth_using_subcommand run" -s P -l publish-all -d 'Publish every TCP port the image exposes on a free host port'
complete -c berth -n "__fish_berth_using_subcommand run" -l read-only -d 'Mount the root file system read-only'
complete -c berth -n "__fish_berth_using_subcommand run" -l no-hosts -d 'Do not give the container an /etc/hosts of berth\'s'
complete -c berth -n "__fish_berth_using_subcommand run" -l init -d 'Run a minimal init as pid 1 that forwards signals and reaps'
complete -c berth -n "__fish_berth_using_subcommand run" -l privileged -d 'Give the container every capability, no seccomp filter and no masked paths'
complete -c berth -n "__fish_berth_using_subcommand run" -l replace -d 'Remove a container of the same --name first (running or not)'
complete -c berth -n "__fish_berth_using_subcommand run" -l env-host -d 'Give the container berth\'s environment (then --env-file, -e)'
complete -c berth -n "__fish_berth_using_subcommand run" -l no-healthcheck -d 'No healthcheck, not even the image\'s'
complete -c berth -n "__fish_berth_using_subcommand run" -l rootfs -d 'The first argument is a directory that is the container\'s root (an exploded container), not an image: the container writes into it; with a `:O` suffix it writes into an overlay over it instead'
complete -c berth -n "__fish_berth_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c berth -n "__fish_berth_using_subcommand run" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand create" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand create" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand create" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand create" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand create" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l name -d 'Name of the container (default: a generated one)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -s a -l attach -d 'Attach to STDIN, STDOUT or STDERR (a foreground run is always attached to its output)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -s p -l publish -d 'Publish a container\'s port on the host: [IP:]HOSTPORT:CTRPORT[/tcp], or CTRPORT for a free host port' -r
complete -c berth -n "__fish_berth_using_subcommand create" -s e -l env -d 'Set an environment variable (KEY=VALUE, or KEY to take berth\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l env-file -d 'Read environment variables from a file (KEY=VALUE lines)' -r -F
complete -c berth -n "__fish_berth_using_subcommand create" -s l -l label -d 'Set a label on the container (KEY=VALUE, or KEY for an empty value)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l label-file -d 'Read labels from a file (KEY=VALUE lines; # starts a comment)' -r -F
complete -c berth -n "__fish_berth_using_subcommand create" -s w -l workdir -d 'Working directory inside the container' -r
complete -c berth -n "__fish_berth_using_subcommand create" -s u -l user -d 'User to run as: uid[:gid] or name[:group]' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l entrypoint -d 'Override the image\'s entrypoint ("" clears it)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -s v -l volume -d 'Bind mount a host path (HOST-DIR:CONTAINER-DIR[:ro]) or mount a named volume, made on first use and filled from the image the first time it is mounted (NAME:CONTAINER-DIR[:ro][,nocopy][,U]; U gives its files to the container\'s user)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l volumes-from -d 'Mount the volumes and bind mounts of another container, at the same paths (:ro or :rw overrides their mode)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l tmpfs -d 'Mount a tmpfs: CONTAINER-DIR[:OPTIONS]' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l mount -d 'Attach a mount: type=bind,source=HOST,target=CTR[,readonly] [,bind-propagation=rprivate|…], type=volume,source=NAME,target=CTR[,readonly][,volume-nocopy] or type=tmpfs,target=CTR[,tmpfs-size=64m][,tmpfs-mode=1777]' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l userns -d 'User namespace: host (the default: rootless, the user is root inside) or keep-id (rootless: the user keeps its own uid and gid inside, and the process runs as the user)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l hostname -d 'Hostname of the container (default: its short id)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l network -d 'Network: a berth network by name (repeatable; default: the default network `berth`, also called `bridge`, with outbound access), or one mode: none, host, private (own namespace, loopback only), pasta[:OPTIONS], slirp4netns[:allow_host_loopback=true], container:NAME, ns:PATH' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l network-alias -d 'Another name of the container on its berth networks' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l ip -d 'The container\'s IPv4 address on its (first) berth network' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l ip6 -d 'The container\'s IPv6 address on its (first) berth network, which must have IPv6' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l mac-address -d 'The container\'s MAC address on its (first) berth network' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l add-host -d 'Add a line to /etc/hosts: NAME:IP, or NAME:host-gateway' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l dns -d 'A nameserver for /etc/resolv.conf (replaces the host\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l dns-search -d 'A search domain for /etc/resolv.conf (`.` for none)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l dns-option -d 'An option for /etc/resolv.conf' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l cap-add -d 'Add a capability (e.g. NET_RAW, or ALL)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l security-opt -d 'Security options: seccomp=unconfined, seccomp=PROFILE.json (a Docker/Podman profile), no-new-privileges[=true|false], label=disable (SELinux options are ignored), apparmor=unconfined' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l stop-signal -d 'Signal that stops the container (default: the image\'s STOPSIGNAL, else SIGTERM)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l stop-timeout -d 'Seconds `stop` waits for the stop signal to end the container before SIGKILL (default 10)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l timeout -d 'Kill the container (SIGKILL) once it has run this many seconds (0: never)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l pid -d 'The pid namespace: private (the default), host, or container:NAME (another running container\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l uidmap -d 'Run in a user namespace of its own with this uid map: COUNT ids from CONTAINER inside are HOST and on outside (repeatable; as root; without --gidmap it serves for both)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l gidmap -d 'The gid map, as --uidmap' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l cidfile -d 'Write the container\'s id to this file (which must not exist)' -r -F
complete -c berth -n "__fish_berth_using_subcommand create" -l ulimit -d 'A resource limit of the process: NAME=SOFT[:HARD] (nofile, nproc, core, memlock, stack …; -1 is unlimited), or host' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l shm-size -d 'Size of /dev/shm (bytes, or a number with k, m, g; default 64m)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l sysctl -d 'Set a namespaced sysctl: net.*, kernel.shm*, kernel.msg*, kernel.sem, kernel.domainname, fs.mqueue.*' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l device -d 'Give the container a host device: HOST[:CONTAINER[:PERMS]] (the node is bound; its own mode decides access, as rootless Podman: berth keeps no device cgroup to enforce PERMS)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l group-add -d 'Another supplementary group of the process (a name in the image\'s /etc/group, or a number), or keep-groups: keep the groups berth runs with (rootless: reach the user\'s group-owned files)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l tz -d 'The container\'s time zone: local (the host\'s) or a zone such as Europe/Paris, given as /etc/localtime' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l log-driver -d 'Where the output is kept: k8s-file (the default; json-file is taken as k8s-file, as Podman does), none, or passthrough (the container writes to berth\'s own stdout and stderr; foreground only; no log)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l log-opt -d 'A log driver\'s option: max-size=SIZE (the log starts over when a record would take it past SIZE)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l restart -d 'Restart policy of a detached container when its program exits: no, on-failure[:MAX-RETRIES], always or unless-stopped (a stop or kill by a user ends it for good)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l health-cmd -d 'The healthcheck\'s command: a shell command, a JSON array (the program and its arguments), or none (over the image\'s HEALTHCHECK)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l health-interval -d 'Time between two probes (default 30s; disable: only `healthcheck run` probes)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l health-timeout -d 'How long a probe may take before it counts as failed (default 30s)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l health-retries -d 'Failures in a row that make the container unhealthy (default 3)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l health-start-period -d 'Time after the start in which failures do not count (default 0s)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l health-start-interval -d 'Time between two probes in the start period (default 5s)' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l health-on-failure -d 'What to do when the container turns unhealthy: none, kill, restart or stop' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l pull -d 'Pull the image: always, missing (when not in local storage) or never' -r
complete -c berth -n "__fish_berth_using_subcommand create" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand create" -l rm -d 'Remove the container when it exits'
complete -c berth -n "__fish_berth_using_subcommand create" -s q -l quiet -d 'Say nothing while pulling the image'
complete -c berth -n "__fish_berth_using_subcommand create" -s i -l interactive -d 'Keep standard input open and connect it to the container'
complete -c berth -n "__fish_berth_using_subcommand create" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c berth -n "__fish_berth_using_subcommand create" -s d -l detach -d 'Run in the background and print the container\'s ID'
complete -c berth -n "__fish_berth_using_subcommand create" -s P -l publish-all -d 'Publish every TCP port the image exposes on a free host port'
complete -c berth -n "__fish_berth_using_subcommand create" -l read-only -d 'Mount the root file system read-only'
complete -c berth -n "__fish_berth_using_subcommand create" -l no-hosts -d 'Do not give the container an /etc/hosts of berth\'s'
complete -c berth -n "__fish_berth_using_subcommand create" -l init -d 'Run a minimal init as pid 1 that forwards signals and reaps'
complete -c berth -n "__fish_berth_using_subcommand create" -l privileged -d 'Give the container every capability, no seccomp filter and no masked paths'
complete -c berth -n "__fish_berth_using_subcommand create" -l replace -d 'Remove a container of the same --name first (running or not)'
complete -c berth -n "__fish_berth_using_subcommand create" -l env-host -d 'Give the container berth\'s environment (then --env-file, -e)'
complete -c berth -n "__fish_berth_using_subcommand create" -l no-healthcheck -d 'No healthcheck, not even the image\'s'
complete -c berth -n "__fish_berth_using_subcommand create" -l rootfs -d 'The first argument is a directory that is the container\'s root (an exploded container), not an image: the container writes into it; with a `:O` suffix it writes into an overlay over it instead'
complete -c berth -n "__fish_berth_using_subcommand create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c berth -n "__fish_berth_using_subcommand create" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand start" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand start" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand start" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand start" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand start" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand start" -s f -l filter -d 'With --all: the filters of `ps --filter` (restart-policy=always)' -r
complete -c berth -n "__fish_berth_using_subcommand start" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand start" -s a -l attach -d 'Attach to the container\'s output and wait for it (default: start it in the background)'
complete -c berth -n "__fish_berth_using_subcommand start" -s i -l interactive -d 'Connect standard input (as given to `create -i`)'
complete -c berth -n "__fish_berth_using_subcommand start" -l all -d 'Start every container that is not running that matches the filters, but an unless-stopped one a user stopped (as Docker does after a reboot)'
complete -c berth -n "__fish_berth_using_subcommand start" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand start" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand ps" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand ps" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand ps" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand ps" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand ps" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand ps" -l format -d 'Format: json, or a Go template (`{{.ID}} {{.Names}}`, `table ...`)' -r
complete -c berth -n "__fish_berth_using_subcommand ps" -s f -l filter -d 'Show only containers that match: id=PREFIX, name=TEXT, label=KEY or label=KEY=VALUE, status=created|running|restarting|exited, exited=CODE, ancestor=IMAGE, restart-policy=POLICY (repeated keys: any of them; different keys: all)' -r
complete -c berth -n "__fish_berth_using_subcommand ps" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand ps" -s a -l all -d 'Show all containers (default: running ones)'
complete -c berth -n "__fish_berth_using_subcommand ps" -s q -l quiet -d 'Show only container IDs'
complete -c berth -n "__fish_berth_using_subcommand ps" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c berth -n "__fish_berth_using_subcommand ps" -l noheading -d 'Do not print the header'
complete -c berth -n "__fish_berth_using_subcommand ps" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand ps" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand rm" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand rm" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand rm" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand rm" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand rm" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand rm" -s t -l time -d 'With --force: give a running container its stop signal and this long to exit before it is killed (default: killed at once)' -r
complete -c berth -n "__fish_berth_using_subcommand rm" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand rm" -s f -l force -d 'Remove running containers too (they are killed), and say nothing of containers that are not there'
complete -c berth -n "__fish_berth_using_subcommand rm" -s i -l ignore -d 'Say nothing of containers that are not there'
complete -c berth -n "__fish_berth_using_subcommand rm" -s a -l all -d 'Remove all containers'
complete -c berth -n "__fish_berth_using_subcommand rm" -s v -l volumes -d 'Remove the containers\' anonymous volumes too'
complete -c berth -n "__fish_berth_using_subcommand rm" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand rm" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand diff" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand diff" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand diff" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand diff" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand diff" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand diff" -l format -d 'Format: json (`{"added": […], "changed": […], "deleted": […]}`)' -r -f -a "json\t''"
complete -c berth -n "__fish_berth_using_subcommand diff" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand diff" -s l -l latest -d 'Act on the container created last'
complete -c berth -n "__fish_berth_using_subcommand diff" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand diff" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand commit" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand commit" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand commit" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand commit" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand commit" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand commit" -s c -l change -d 'Apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL)' -r
complete -c berth -n "__fish_berth_using_subcommand commit" -s m -l message -d 'A commit message for the image history' -r
complete -c berth -n "__fish_berth_using_subcommand commit" -s a -l author -d 'The author of the image' -r
complete -c berth -n "__fish_berth_using_subcommand commit" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand commit" -s q -l quiet -d 'Print nothing but the image ID'
complete -c berth -n "__fish_berth_using_subcommand commit" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand commit" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand cp" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand cp" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand cp" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand cp" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand cp" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand cp" -s a -l archive -d 'What lands in a container belongs to the container\'s user (`--archive=false`: it keeps the owners it had)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand cp" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand cp" -l overwrite -d 'Let a directory replace a non-directory, and the other way round'
complete -c berth -n "__fish_berth_using_subcommand cp" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand cp" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand export" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand export" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand export" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand export" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand export" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand export" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c berth -n "__fish_berth_using_subcommand export" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand export" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand export" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand rename" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand rename" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand rename" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand rename" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand rename" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand rename" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand rename" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand rename" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand attach" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand attach" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand attach" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand attach" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand attach" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand attach" -l detach-keys -d 'The keys that detach, leaving the container running: ctrl-X or single characters, comma-separated (empty: none)' -r
complete -c berth -n "__fish_berth_using_subcommand attach" -l sig-proxy -d 'Forward signals to the container (berth does not: ctrl-c in a terminal reaches it as a key; this flag is taken for Podman\'s scripts)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand attach" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand attach" -l no-stdin -d 'Do not send standard input to the container'
complete -c berth -n "__fish_berth_using_subcommand attach" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand attach" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand exec" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand exec" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand exec" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand exec" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand exec" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand exec" -s e -l env -d 'Set an environment variable (KEY=VALUE, or KEY to take berth\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand exec" -l env-file -d 'Read environment variables from a file (KEY=VALUE lines)' -r -F
complete -c berth -n "__fish_berth_using_subcommand exec" -s u -l user -d 'User to run as: uid[:gid] or name[:group] (default: the container\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand exec" -s w -l workdir -d 'Working directory inside the container (default: the container\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand exec" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand exec" -s i -l interactive -d 'Keep standard input open and connect it to the command'
complete -c berth -n "__fish_berth_using_subcommand exec" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c berth -n "__fish_berth_using_subcommand exec" -l privileged -d 'Give the command every capability'
complete -c berth -n "__fish_berth_using_subcommand exec" -s d -l detach -d 'Start the command and return at once, printing its session\'s ID (its output is discarded)'
complete -c berth -n "__fish_berth_using_subcommand exec" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand exec" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand logs" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand logs" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand logs" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand logs" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand logs" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand logs" -l tail -d 'Print only the last N lines' -r
complete -c berth -n "__fish_berth_using_subcommand logs" -l since -d 'Only output from this time on: RFC 3339, a date or local time (2006-01-02, 2006-01-02T15:04:05), seconds since the epoch, or a duration before now (10s, 5m, 2h)' -r
complete -c berth -n "__fish_berth_using_subcommand logs" -l until -d 'Only output up to this time (as --since; a duration is after now)' -r
complete -c berth -n "__fish_berth_using_subcommand logs" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand logs" -s f -l follow -d 'Keep printing new output until the container exits'
complete -c berth -n "__fish_berth_using_subcommand logs" -s t -l timestamps -d 'Prefix each line with its time (RFC 3339)'
complete -c berth -n "__fish_berth_using_subcommand logs" -s l -l latest -d 'The container created last'
complete -c berth -n "__fish_berth_using_subcommand logs" -s n -l names -d 'With several containers, prefix lines with the container\'s name rather than its ID'
complete -c berth -n "__fish_berth_using_subcommand logs" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand logs" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand stop" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand stop" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand stop" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand stop" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand stop" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand stop" -s t -l time -d 'Seconds to wait for the stop signal to end the container before SIGKILL (default: the container\'s --stop-timeout, else 10)' -r
complete -c berth -n "__fish_berth_using_subcommand stop" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand stop" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand stop" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand kill" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand kill" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand kill" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand kill" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand kill" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand kill" -s s -l signal -d 'The signal: a name (TERM, SIGTERM) or a number' -r
complete -c berth -n "__fish_berth_using_subcommand kill" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand kill" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand kill" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand wait" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand wait" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand wait" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand wait" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand wait" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand wait" -l condition -d 'Wait until the container is running, stopped (or exited), healthy or unhealthy (repeatable: any of them; default: stopped). Prints the exit code for stopped, -1 for the others' -r
complete -c berth -n "__fish_berth_using_subcommand wait" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand wait" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand wait" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand restart" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand restart" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand restart" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand restart" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand restart" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand restart" -s t -l time -d 'Seconds to wait for the stop signal to end the container before SIGKILL (default: the container\'s --stop-timeout, else 10)' -r
complete -c berth -n "__fish_berth_using_subcommand restart" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand restart" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand restart" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -f -a "run" -d 'Run a container\'s healthcheck once: exit 0 when it passes, 1 when it fails (and print the status)'
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand port" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand port" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand port" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand port" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand port" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand port" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand port" -s a -l all -d 'Every running container\'s ports'
complete -c berth -n "__fish_berth_using_subcommand port" -s l -l latest -d 'The container created last'
complete -c berth -n "__fish_berth_using_subcommand port" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand port" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand mount" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand mount" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand mount" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand mount" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand mount" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand mount" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand mount" -l no-trunc -d 'Show full container IDs'
complete -c berth -n "__fish_berth_using_subcommand mount" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand mount" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand unmount" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand unmount" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand unmount" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand unmount" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand unmount" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand unmount" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand unmount" -s a -l all -d 'Unmount every mounted container'
complete -c berth -n "__fish_berth_using_subcommand unmount" -s f -l force -d 'Accepted for Podman\'s sake (berth keeps no mount count)'
complete -c berth -n "__fish_berth_using_subcommand unmount" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand unmount" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand umount" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand umount" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand umount" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand umount" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand umount" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand umount" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand umount" -s a -l all -d 'Unmount every mounted container'
complete -c berth -n "__fish_berth_using_subcommand umount" -s f -l force -d 'Accepted for Podman\'s sake (berth keeps no mount count)'
complete -c berth -n "__fish_berth_using_subcommand umount" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand umount" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand unshare" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand unshare" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand unshare" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand unshare" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand unshare" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand unshare" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand unshare" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand unshare" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "run" -d 'Run a command in a new container'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "create" -d 'Create a container without starting it'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "start" -d 'Start a created container'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "ls" -d 'List containers'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "ps" -d 'List containers'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "list" -d 'List containers'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "rm" -d 'Remove containers'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "inspect" -d 'Display the configuration of containers'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "diff" -d 'Show the changes of a container\'s file system'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "commit" -d 'Create an image from a container\'s changes'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "cp" -d 'Copy files between a container and the host'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "export" -d 'Write a container\'s file system as a tar'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "exec" -d 'Run a command in a running container'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "prune" -d 'Remove all stopped containers'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "logs" -d 'Show the output of a container'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "stop" -d 'Stop running containers (the stop signal, then SIGKILL)'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "kill" -d 'Send a signal to running containers'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "wait" -d 'Wait for containers to exit and print their exit codes'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "restart" -d 'Stop and start containers again (detached)'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "port" -d 'List the published ports of a container'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "mount" -d 'Mount containers\' root file systems and print where'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "unmount" -d 'Unmount containers\' root file systems'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "umount" -d 'Unmount containers\' root file systems'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "exists" -d 'Exit 0 when a container exists, 1 when it does not'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "rename" -d 'Give a container another name'
complete -c berth -n "__fish_berth_using_subcommand container; and not __fish_seen_subcommand_from run create start ls ps list rm inspect diff commit cp export exec prune logs stop kill wait restart port mount unmount umount exists rename attach" -f -a "attach" -d 'Attach to a running container\'s terminal or output'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l name -d 'Name of the container (default: a generated one)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s a -l attach -d 'Attach to STDIN, STDOUT or STDERR (a foreground run is always attached to its output)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s p -l publish -d 'Publish a container\'s port on the host: [IP:]HOSTPORT:CTRPORT[/tcp], or CTRPORT for a free host port' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s e -l env -d 'Set an environment variable (KEY=VALUE, or KEY to take berth\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l env-file -d 'Read environment variables from a file (KEY=VALUE lines)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s l -l label -d 'Set a label on the container (KEY=VALUE, or KEY for an empty value)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l label-file -d 'Read labels from a file (KEY=VALUE lines; # starts a comment)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s u -l user -d 'User to run as: uid[:gid] or name[:group]' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l entrypoint -d 'Override the image\'s entrypoint ("" clears it)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s v -l volume -d 'Bind mount a host path (HOST-DIR:CONTAINER-DIR[:ro]) or mount a named volume, made on first use and filled from the image the first time it is mounted (NAME:CONTAINER-DIR[:ro][,nocopy][,U]; U gives its files to the container\'s user)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l volumes-from -d 'Mount the volumes and bind mounts of another container, at the same paths (:ro or :rw overrides their mode)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l tmpfs -d 'Mount a tmpfs: CONTAINER-DIR[:OPTIONS]' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l mount -d 'Attach a mount: type=bind,source=HOST,target=CTR[,readonly] [,bind-propagation=rprivate|…], type=volume,source=NAME,target=CTR[,readonly][,volume-nocopy] or type=tmpfs,target=CTR[,tmpfs-size=64m][,tmpfs-mode=1777]' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l userns -d 'User namespace: host (the default: rootless, the user is root inside) or keep-id (rootless: the user keeps its own uid and gid inside, and the process runs as the user)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l hostname -d 'Hostname of the container (default: its short id)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l network -d 'Network: a berth network by name (repeatable; default: the default network `berth`, also called `bridge`, with outbound access), or one mode: none, host, private (own namespace, loopback only), pasta[:OPTIONS], slirp4netns[:allow_host_loopback=true], container:NAME, ns:PATH' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l network-alias -d 'Another name of the container on its berth networks' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l ip -d 'The container\'s IPv4 address on its (first) berth network' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l ip6 -d 'The container\'s IPv6 address on its (first) berth network, which must have IPv6' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l mac-address -d 'The container\'s MAC address on its (first) berth network' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l add-host -d 'Add a line to /etc/hosts: NAME:IP, or NAME:host-gateway' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l dns -d 'A nameserver for /etc/resolv.conf (replaces the host\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-search -d 'A search domain for /etc/resolv.conf (`.` for none)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-option -d 'An option for /etc/resolv.conf' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-add -d 'Add a capability (e.g. NET_RAW, or ALL)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l security-opt -d 'Security options: seccomp=unconfined, seccomp=PROFILE.json (a Docker/Podman profile), no-new-privileges[=true|false], label=disable (SELinux options are ignored), apparmor=unconfined' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-signal -d 'Signal that stops the container (default: the image\'s STOPSIGNAL, else SIGTERM)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-timeout -d 'Seconds `stop` waits for the stop signal to end the container before SIGKILL (default 10)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l timeout -d 'Kill the container (SIGKILL) once it has run this many seconds (0: never)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l pid -d 'The pid namespace: private (the default), host, or container:NAME (another running container\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l uidmap -d 'Run in a user namespace of its own with this uid map: COUNT ids from CONTAINER inside are HOST and on outside (repeatable; as root; without --gidmap it serves for both)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l gidmap -d 'The gid map, as --uidmap' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l cidfile -d 'Write the container\'s id to this file (which must not exist)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l ulimit -d 'A resource limit of the process: NAME=SOFT[:HARD] (nofile, nproc, core, memlock, stack …; -1 is unlimited), or host' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l shm-size -d 'Size of /dev/shm (bytes, or a number with k, m, g; default 64m)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l sysctl -d 'Set a namespaced sysctl: net.*, kernel.shm*, kernel.msg*, kernel.sem, kernel.domainname, fs.mqueue.*' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l device -d 'Give the container a host device: HOST[:CONTAINER[:PERMS]] (the node is bound; its own mode decides access, as rootless Podman: berth keeps no device cgroup to enforce PERMS)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l group-add -d 'Another supplementary group of the process (a name in the image\'s /etc/group, or a number), or keep-groups: keep the groups berth runs with (rootless: reach the user\'s group-owned files)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l tz -d 'The container\'s time zone: local (the host\'s) or a zone such as Europe/Paris, given as /etc/localtime' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l log-driver -d 'Where the output is kept: k8s-file (the default; json-file is taken as k8s-file, as Podman does), none, or passthrough (the container writes to berth\'s own stdout and stderr; foreground only; no log)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l log-opt -d 'A log driver\'s option: max-size=SIZE (the log starts over when a record would take it past SIZE)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l restart -d 'Restart policy of a detached container when its program exits: no, on-failure[:MAX-RETRIES], always or unless-stopped (a stop or kill by a user ends it for good)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l health-cmd -d 'The healthcheck\'s command: a shell command, a JSON array (the program and its arguments), or none (over the image\'s HEALTHCHECK)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l health-interval -d 'Time between two probes (default 30s; disable: only `healthcheck run` probes)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l health-timeout -d 'How long a probe may take before it counts as failed (default 30s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l health-retries -d 'Failures in a row that make the container unhealthy (default 3)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l health-start-period -d 'Time after the start in which failures do not count (default 0s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l health-start-interval -d 'Time between two probes in the start period (default 5s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l health-on-failure -d 'What to do when the container turns unhealthy: none, kill, restart or stop' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l pull -d 'Pull the image: always, missing (when not in local storage) or never' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l rm -d 'Remove the container when it exits'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Say nothing while pulling the image'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s i -l interactive -d 'Keep standard input open and connect it to the container'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s d -l detach -d 'Run in the background and print the container\'s ID'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s P -l publish-all -d 'Publish every TCP port the image exposes on a free host port'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l read-only -d 'Mount the root file system read-only'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l no-hosts -d 'Do not give the container an /etc/hosts of berth\'s'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l init -d 'Run a minimal init as pid 1 that forwards signals and reaps'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l privileged -d 'Give the container every capability, no seccomp filter and no masked paths'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l replace -d 'Remove a container of the same --name first (running or not)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l env-host -d 'Give the container berth\'s environment (then --env-file, -e)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l no-healthcheck -d 'No healthcheck, not even the image\'s'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -l rootfs -d 'The first argument is a directory that is the container\'s root (an exploded container), not an image: the container writes into it; with a `:O` suffix it writes into an overlay over it instead'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l name -d 'Name of the container (default: a generated one)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s a -l attach -d 'Attach to STDIN, STDOUT or STDERR (a foreground run is always attached to its output)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s p -l publish -d 'Publish a container\'s port on the host: [IP:]HOSTPORT:CTRPORT[/tcp], or CTRPORT for a free host port' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s e -l env -d 'Set an environment variable (KEY=VALUE, or KEY to take berth\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l env-file -d 'Read environment variables from a file (KEY=VALUE lines)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s l -l label -d 'Set a label on the container (KEY=VALUE, or KEY for an empty value)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l label-file -d 'Read labels from a file (KEY=VALUE lines; # starts a comment)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s w -l workdir -d 'Working directory inside the container' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s u -l user -d 'User to run as: uid[:gid] or name[:group]' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l entrypoint -d 'Override the image\'s entrypoint ("" clears it)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s v -l volume -d 'Bind mount a host path (HOST-DIR:CONTAINER-DIR[:ro]) or mount a named volume, made on first use and filled from the image the first time it is mounted (NAME:CONTAINER-DIR[:ro][,nocopy][,U]; U gives its files to the container\'s user)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l volumes-from -d 'Mount the volumes and bind mounts of another container, at the same paths (:ro or :rw overrides their mode)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l tmpfs -d 'Mount a tmpfs: CONTAINER-DIR[:OPTIONS]' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l mount -d 'Attach a mount: type=bind,source=HOST,target=CTR[,readonly] [,bind-propagation=rprivate|…], type=volume,source=NAME,target=CTR[,readonly][,volume-nocopy] or type=tmpfs,target=CTR[,tmpfs-size=64m][,tmpfs-mode=1777]' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l userns -d 'User namespace: host (the default: rootless, the user is root inside) or keep-id (rootless: the user keeps its own uid and gid inside, and the process runs as the user)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l hostname -d 'Hostname of the container (default: its short id)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l network -d 'Network: a berth network by name (repeatable; default: the default network `berth`, also called `bridge`, with outbound access), or one mode: none, host, private (own namespace, loopback only), pasta[:OPTIONS], slirp4netns[:allow_host_loopback=true], container:NAME, ns:PATH' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l network-alias -d 'Another name of the container on its berth networks' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l ip -d 'The container\'s IPv4 address on its (first) berth network' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l ip6 -d 'The container\'s IPv6 address on its (first) berth network, which must have IPv6' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l mac-address -d 'The container\'s MAC address on its (first) berth network' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l add-host -d 'Add a line to /etc/hosts: NAME:IP, or NAME:host-gateway' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l dns -d 'A nameserver for /etc/resolv.conf (replaces the host\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l dns-search -d 'A search domain for /etc/resolv.conf (`.` for none)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l dns-option -d 'An option for /etc/resolv.conf' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-add -d 'Add a capability (e.g. NET_RAW, or ALL)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l security-opt -d 'Security options: seccomp=unconfined, seccomp=PROFILE.json (a Docker/Podman profile), no-new-privileges[=true|false], label=disable (SELinux options are ignored), apparmor=unconfined' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-signal -d 'Signal that stops the container (default: the image\'s STOPSIGNAL, else SIGTERM)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-timeout -d 'Seconds `stop` waits for the stop signal to end the container before SIGKILL (default 10)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l timeout -d 'Kill the container (SIGKILL) once it has run this many seconds (0: never)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l pid -d 'The pid namespace: private (the default), host, or container:NAME (another running container\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l uidmap -d 'Run in a user namespace of its own with this uid map: COUNT ids from CONTAINER inside are HOST and on outside (repeatable; as root; without --gidmap it serves for both)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l gidmap -d 'The gid map, as --uidmap' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l cidfile -d 'Write the container\'s id to this file (which must not exist)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l ulimit -d 'A resource limit of the process: NAME=SOFT[:HARD] (nofile, nproc, core, memlock, stack …; -1 is unlimited), or host' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l shm-size -d 'Size of /dev/shm (bytes, or a number with k, m, g; default 64m)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l sysctl -d 'Set a namespaced sysctl: net.*, kernel.shm*, kernel.msg*, kernel.sem, kernel.domainname, fs.mqueue.*' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l device -d 'Give the container a host device: HOST[:CONTAINER[:PERMS]] (the node is bound; its own mode decides access, as rootless Podman: berth keeps no device cgroup to enforce PERMS)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l group-add -d 'Another supplementary group of the process (a name in the image\'s /etc/group, or a number), or keep-groups: keep the groups berth runs with (rootless: reach the user\'s group-owned files)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l tz -d 'The container\'s time zone: local (the host\'s) or a zone such as Europe/Paris, given as /etc/localtime' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l log-driver -d 'Where the output is kept: k8s-file (the default; json-file is taken as k8s-file, as Podman does), none, or passthrough (the container writes to berth\'s own stdout and stderr; foreground only; no log)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l log-opt -d 'A log driver\'s option: max-size=SIZE (the log starts over when a record would take it past SIZE)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l restart -d 'Restart policy of a detached container when its program exits: no, on-failure[:MAX-RETRIES], always or unless-stopped (a stop or kill by a user ends it for good)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l health-cmd -d 'The healthcheck\'s command: a shell command, a JSON array (the program and its arguments), or none (over the image\'s HEALTHCHECK)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l health-interval -d 'Time between two probes (default 30s; disable: only `healthcheck run` probes)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l health-timeout -d 'How long a probe may take before it counts as failed (default 30s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l health-retries -d 'Failures in a row that make the container unhealthy (default 3)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l health-start-period -d 'Time after the start in which failures do not count (default 0s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l health-start-interval -d 'Time between two probes in the start period (default 5s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l health-on-failure -d 'What to do when the container turns unhealthy: none, kill, restart or stop' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l pull -d 'Pull the image: always, missing (when not in local storage) or never' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l rm -d 'Remove the container when it exits'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Say nothing while pulling the image'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s i -l interactive -d 'Keep standard input open and connect it to the container'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s d -l detach -d 'Run in the background and print the container\'s ID'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s P -l publish-all -d 'Publish every TCP port the image exposes on a free host port'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l read-only -d 'Mount the root file system read-only'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l no-hosts -d 'Do not give the container an /etc/hosts of berth\'s'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l init -d 'Run a minimal init as pid 1 that forwards signals and reaps'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l privileged -d 'Give the container every capability, no seccomp filter and no masked paths'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l replace -d 'Remove a container of the same --name first (running or not)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l env-host -d 'Give the container berth\'s environment (then --env-file, -e)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l no-healthcheck -d 'No healthcheck, not even the image\'s'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -l rootfs -d 'The first argument is a directory that is the container\'s root (an exploded container), not an image: the container writes into it; with a `:O` suffix it writes into an overlay over it instead'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from start" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from start" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from start" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from start" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from start" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from start" -s f -l filter -d 'With --all: the filters of `ps --filter` (restart-policy=always)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from start" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from start" -s a -l attach -d 'Attach to the container\'s output and wait for it (default: start it in the background)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from start" -s i -l interactive -d 'Connect standard input (as given to `create -i`)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from start" -l all -d 'Start every container that is not running that matches the filters, but an unless-stopped one a user stopped (as Docker does after a reboot)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -l format -d 'Format: json, or a Go template (`{{.ID}} {{.Names}}`, `table ...`)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Show only containers that match: id=PREFIX, name=TEXT, label=KEY or label=KEY=VALUE, status=created|running|restarting|exited, exited=CODE, ancestor=IMAGE, restart-policy=POLICY (repeated keys: any of them; different keys: all)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all containers (default: running ones)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Show only container IDs'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -l noheading -d 'Do not print the header'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -l format -d 'Format: json, or a Go template (`{{.ID}} {{.Names}}`, `table ...`)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -s f -l filter -d 'Show only containers that match: id=PREFIX, name=TEXT, label=KEY or label=KEY=VALUE, status=created|running|restarting|exited, exited=CODE, ancestor=IMAGE, restart-policy=POLICY (repeated keys: any of them; different keys: all)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -s a -l all -d 'Show all containers (default: running ones)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -s q -l quiet -d 'Show only container IDs'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -l noheading -d 'Do not print the header'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from ps" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -l format -d 'Format: json, or a Go template (`{{.ID}} {{.Names}}`, `table ...`)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -s f -l filter -d 'Show only containers that match: id=PREFIX, name=TEXT, label=KEY or label=KEY=VALUE, status=created|running|restarting|exited, exited=CODE, ancestor=IMAGE, restart-policy=POLICY (repeated keys: any of them; different keys: all)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -s a -l all -d 'Show all containers (default: running ones)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Show only container IDs'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -l noheading -d 'Do not print the header'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -s t -l time -d 'With --force: give a running container its stop signal and this long to exit before it is killed (default: killed at once)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -s f -l force -d 'Remove running containers too (they are killed), and say nothing of containers that are not there'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -s i -l ignore -d 'Say nothing of containers that are not there'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove all containers'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -s v -l volumes -d 'Remove the containers\' anonymous volumes too'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from inspect" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from inspect" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from inspect" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from inspect" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from inspect" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format: json (default) or a Go template (`{{.State.ExitCode}}`)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from inspect" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from inspect" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from diff" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from diff" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from diff" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from diff" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from diff" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from diff" -l format -d 'Format: json (`{"added": […], "changed": […], "deleted": […]}`)' -r -f -a "json\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from diff" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from diff" -s l -l latest -d 'Act on the container created last'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from diff" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from commit" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from commit" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from commit" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from commit" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from commit" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from commit" -s c -l change -d 'Apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from commit" -s m -l message -d 'A commit message for the image history' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from commit" -s a -l author -d 'The author of the image' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from commit" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from commit" -s q -l quiet -d 'Print nothing but the image ID'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from commit" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from commit" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from cp" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from cp" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from cp" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from cp" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from cp" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from cp" -s a -l archive -d 'What lands in a container belongs to the container\'s user (`--archive=false`: it keeps the owners it had)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from cp" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from cp" -l overwrite -d 'Let a directory replace a non-directory, and the other way round'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from cp" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from cp" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from export" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from export" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from export" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from export" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from export" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from export" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -s e -l env -d 'Set an environment variable (KEY=VALUE, or KEY to take berth\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -l env-file -d 'Read environment variables from a file (KEY=VALUE lines)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -s u -l user -d 'User to run as: uid[:gid] or name[:group] (default: the container\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -s w -l workdir -d 'Working directory inside the container (default: the container\'s)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -s i -l interactive -d 'Keep standard input open and connect it to the command'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -l privileged -d 'Give the command every capability'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -s d -l detach -d 'Start the command and return at once, printing its session\'s ID (its output is discarded)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exec" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from prune" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from prune" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from prune" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from prune" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from prune" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from prune" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -l tail -d 'Print only the last N lines' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -l since -d 'Only output from this time on: RFC 3339, a date or local time (2006-01-02, 2006-01-02T15:04:05), seconds since the epoch, or a duration before now (10s, 5m, 2h)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -l until -d 'Only output up to this time (as --since; a duration is after now)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Keep printing new output until the container exits'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -s t -l timestamps -d 'Prefix each line with its time (RFC 3339)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -s l -l latest -d 'The container created last'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -s n -l names -d 'With several containers, prefix lines with the container\'s name rather than its ID'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from logs" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from stop" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from stop" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from stop" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from stop" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from stop" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from stop" -s t -l time -d 'Seconds to wait for the stop signal to end the container before SIGKILL (default: the container\'s --stop-timeout, else 10)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from stop" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from stop" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from kill" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from kill" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from kill" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from kill" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from kill" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from kill" -s s -l signal -d 'The signal: a name (TERM, SIGTERM) or a number' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from kill" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from kill" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from wait" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from wait" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from wait" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from wait" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from wait" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from wait" -l condition -d 'Wait until the container is running, stopped (or exited), healthy or unhealthy (repeatable: any of them; default: stopped). Prints the exit code for stopped, -1 for the others' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from wait" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from wait" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from restart" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from restart" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from restart" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from restart" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from restart" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from restart" -s t -l time -d 'Seconds to wait for the stop signal to end the container before SIGKILL (default: the container\'s --stop-timeout, else 10)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from restart" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from restart" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from port" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from port" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from port" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from port" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from port" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from port" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from port" -s a -l all -d 'Every running container\'s ports'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from port" -s l -l latest -d 'The container created last'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from port" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from port" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from mount" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from mount" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from mount" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from mount" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from mount" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from mount" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from mount" -l no-trunc -d 'Show full container IDs'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from mount" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from mount" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from unmount" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from unmount" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from unmount" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from unmount" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from unmount" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from unmount" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from unmount" -s a -l all -d 'Unmount every mounted container'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from unmount" -s f -l force -d 'Accepted for Podman\'s sake (berth keeps no mount count)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from unmount" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from unmount" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from umount" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from umount" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from umount" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from umount" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from umount" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from umount" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from umount" -s a -l all -d 'Unmount every mounted container'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from umount" -s f -l force -d 'Accepted for Podman\'s sake (berth keeps no mount count)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from umount" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from umount" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exists" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exists" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exists" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exists" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exists" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exists" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from exists" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rename" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rename" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rename" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rename" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rename" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rename" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from rename" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from attach" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from attach" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from attach" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from attach" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from attach" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from attach" -l detach-keys -d 'The keys that detach, leaving the container running: ctrl-X or single characters, comma-separated (empty: none)' -r
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from attach" -l sig-proxy -d 'Forward signals to the container (berth does not: ctrl-c in a terminal reaches it as a key; this flag is taken for Podman\'s scripts)' -r -f -a "true\t''
false\t''"
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from attach" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from attach" -l no-stdin -d 'Do not send standard input to the container'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from attach" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand container; and __fish_seen_subcommand_from attach" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -f -a "create" -d 'Create a network'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -f -a "ls" -d 'List networks'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -f -a "list" -d 'List networks'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -f -a "inspect" -d 'Display the configuration of networks'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -f -a "rm" -d 'Remove networks'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -f -a "remove" -d 'Remove networks'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -f -a "prune" -d 'Remove all networks no container is on'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -f -a "exists" -d 'Exit 0 if a network exists, 1 if not'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -f -a "connect" -d 'Put a container on a network'
complete -c berth -n "__fish_berth_using_subcommand network; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists connect disconnect" -f -a "disconnect" -d 'Take a container off a network'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -s d -l driver -d 'The driver (bridge is the only one)' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -l subnet -d 'The subnet, ADDRESS/PREFIX (default: the first free 10.89.N.0/24); once for IPv4 and once more for IPv6' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -l gateway -d 'The gateway\'s address in the subnet of its family (default: the subnet\'s first host address)' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -l ip-range -d 'Hand out container addresses from this part of the subnet of its family only' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -l label -d 'Set a label on the network (KEY=VALUE, or KEY)' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -l internal -d 'No route out of the network: its containers reach only each other'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -l ipv6 -d 'IPv6 too: an IPv6 --subnet, else a free unique local /64'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter: name=TEXT (^ and $ anchor it), label=KEY[=VALUE], driver=DRIVER, id=PREFIX' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -l format -d '`json`, or a Go template such as \'{{.Name}} {{.Driver}}\'' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Show only network names'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate network IDs'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -l noheading -d 'Do not print the header'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter: name=TEXT (^ and $ anchor it), label=KEY[=VALUE], driver=DRIVER, id=PREFIX' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -l format -d '`json`, or a Go template such as \'{{.Name}} {{.Driver}}\'' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Show only network names'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -l no-trunc -d 'Do not truncate network IDs'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -l noheading -d 'Do not print the header'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from inspect" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from inspect" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from inspect" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from inspect" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from inspect" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from inspect" -s f -l format -d '`json` (the default), or a Go template such as \'{{.Subnets}}\'' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from inspect" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from inspect" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from rm" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from rm" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from rm" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from rm" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from rm" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from rm" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from rm" -s f -l force -d 'Remove the containers on the networks first (running ones are killed); networks that do not exist are no error'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from remove" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from remove" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from remove" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from remove" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from remove" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from remove" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from remove" -s f -l force -d 'Remove the containers on the networks first (running ones are killed); networks that do not exist are no error'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from prune" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from prune" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from prune" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from prune" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from prune" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from prune" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from exists" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from exists" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from exists" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from exists" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from exists" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from exists" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from exists" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from connect" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from connect" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from connect" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from connect" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from connect" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from connect" -l alias -d 'Another name of the container on this network' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from connect" -l ip -d 'The container\'s IPv4 address on this network' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from connect" -l ip6 -d 'The container\'s IPv6 address on this network' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from connect" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from connect" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from connect" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from disconnect" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from disconnect" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from disconnect" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from disconnect" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from disconnect" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from disconnect" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from disconnect" -s f -l force -d 'Accepted for Podman\'s sake: a running container is always disconnected at once'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from disconnect" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand network; and __fish_seen_subcommand_from disconnect" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -f -a "create" -d 'Create a volume'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -f -a "ls" -d 'List volumes'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -f -a "list" -d 'List volumes'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -f -a "inspect" -d 'Display the configuration of volumes'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -f -a "rm" -d 'Remove volumes'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -f -a "remove" -d 'Remove volumes'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -f -a "prune" -d 'Remove every volume no container uses'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -f -a "exists" -d 'Exit 0 if a volume exists, 1 if not'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -f -a "export" -d 'Write a volume\'s contents as a tar'
complete -c berth -n "__fish_berth_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists export import" -f -a "import" -d 'Unpack a tar into a volume'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from create" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from create" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from create" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from create" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from create" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from create" -s l -l label -d 'Set a label on the volume (KEY=VALUE)' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from create" -s o -l opt -d 'A driver option (KEY=VALUE), kept and shown' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from create" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from create" -l ignore -d 'Do nothing, and succeed, if the volume exists'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from ls" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from ls" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from ls" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from ls" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from ls" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Show only volumes that match: name=TEXT, label=KEY[=VALUE], dangling=true|false' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from ls" -l format -d 'Format: json, or a Go template (`{{.Name}} {{.Mountpoint}}`, `table ...`)' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from ls" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Show only volume names'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from ls" -l noheading -d 'Do not print the header line'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from list" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from list" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from list" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from list" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from list" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from list" -s f -l filter -d 'Show only volumes that match: name=TEXT, label=KEY[=VALUE], dangling=true|false' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from list" -l format -d 'Format: json, or a Go template (`{{.Name}} {{.Mountpoint}}`, `table ...`)' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from list" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Show only volume names'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from list" -l noheading -d 'Do not print the header line'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format: json (default) or a Go template (`{{.Mountpoint}}`)' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from rm" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from rm" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from rm" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from rm" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from rm" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from rm" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from rm" -s f -l force -d 'Remove the containers that use the volumes first (and skip volumes that do not exist)'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from remove" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from remove" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from remove" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from remove" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from remove" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from remove" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from remove" -s f -l force -d 'Remove the containers that use the volumes first (and skip volumes that do not exist)'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from prune" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from prune" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from prune" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from prune" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from prune" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from prune" -l filter -d 'Remove only volumes that match: label=KEY[=VALUE], name=TEXT' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from prune" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from exists" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from exists" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from exists" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from exists" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from exists" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from exists" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from exists" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from export" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from export" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from export" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from export" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from export" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from export" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from import" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from import" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from import" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from import" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from import" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from import" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand volume; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand internal-init" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand internal-init" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand internal-init" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand internal-init" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand internal-init" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand internal-init" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand internal-init" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand internal-init" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand internal-exec" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand internal-exec" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand internal-exec" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand internal-exec" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand internal-exec" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand internal-exec" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand internal-exec" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand internal-exec" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand internal-start" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand internal-start" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand internal-start" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand internal-start" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand internal-start" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand internal-start" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand internal-start" -l policy-restart -d 'Its restart policy starts it again after a foreground run'
complete -c berth -n "__fish_berth_using_subcommand internal-start" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand internal-start" -s V -l version -d 'Print version'
complete -c berth -n "__fish_berth_using_subcommand internal-netns" -l root -d 'Path of the store (images, layers, containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand internal-netns" -l runroot -d 'Path of runtime state (mounts, running containers)' -r -F
complete -c berth -n "__fish_berth_using_subcommand internal-netns" -l log-level -d 'How much to report on standard error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c berth -n "__fish_berth_using_subcommand internal-netns" -l out -d 'Write berth\'s standard output to this file (the output of containers still goes to standard output)' -r -F
complete -c berth -n "__fish_berth_using_subcommand internal-netns" -l runtime-flag -d 'A flag for the OCI runtime: berth runs containers itself, with no such runtime, so it is ignored with a warning' -r
complete -c berth -n "__fish_berth_using_subcommand internal-netns" -l noout -d 'Print nothing on standard output (the output of containers still shows)'
complete -c berth -n "__fish_berth_using_subcommand internal-netns" -s h -l help -d 'Print help'
complete -c berth -n "__fish_berth_using_subcommand internal-netns" -s V -l version -d 'Print version'
