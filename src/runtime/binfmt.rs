//! Programs of another architecture: whether this machine runs them, and
//! through which binfmt_misc handler (qemu-user-static's, registered with
//! the F flag so that the emulator, opened at registration, also serves
//! containers whose root has no such file).

use anyhow::{bail, Result};
use std::path::Path;

const BINFMT: &str = "/proc/sys/fs/binfmt_misc";

/// The OCI name of an architecture some configs give by its kernel
/// name.
fn oci_name(arch: &str) -> &str {
    match arch {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" | "i686" => "386",
        other => other,
    }
}

/// The ELF identity of an OCI architecture: 64-bit, little-endian,
/// e_machine; and qemu's name for it.
fn elf_of(arch: &str) -> Option<(bool, bool, u16, &'static str)> {
    Some(match oci_name(arch) {
        "amd64" => (true, true, 0x3e, "x86_64"),
        "arm64" => (true, true, 0xb7, "aarch64"),
        "arm" => (false, true, 0x28, "arm"),
        "386" => (false, true, 0x03, "i386"),
        "ppc64le" => (true, true, 0x15, "ppc64le"),
        "s390x" => (true, false, 0x16, "s390x"),
        "riscv64" => (true, true, 0xf3, "riscv64"),
        "mips64le" => (true, true, 0x08, "mips64el"),
        "loong64" => (true, true, 0x102, "loongarch64"),
        _ => return None,
    })
}

/// The first 20 bytes of a static executable of `arch`.
fn elf_header(arch: &str) -> Option<[u8; 20]> {
    let (wide, little, machine, _) = elf_of(arch)?;
    let mut h = [0u8; 20];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = if wide { 2 } else { 1 };
    h[5] = if little { 1 } else { 2 };
    h[6] = 1;
    let (ty, m) = if little {
        (2u16.to_le_bytes(), machine.to_le_bytes())
    } else {
        (2u16.to_be_bytes(), machine.to_be_bytes())
    };
    h[16..18].copy_from_slice(&ty);
    h[18..20].copy_from_slice(&m);
    Some(h)
}

/// Whether this machine runs programs of `arch` itself.
pub fn native(arch: &str) -> bool {
    let host = crate::image::config::host_arch();
    let arch = oci_name(arch);
    arch == host || (host == "amd64" && arch == "386")
}

/// A binfmt_misc handler as its file in `/proc/sys/fs/binfmt_misc` says.
struct Handler {
    name: String,
    enabled: bool,
    fix_binary: bool,
    offset: usize,
    magic: Vec<u8>,
    mask: Vec<u8>,
}

fn parse_handler(name: &str, text: &str) -> Option<Handler> {
    let mut h = Handler {
        name: name.to_string(),
        enabled: false,
        fix_binary: false,
        offset: 0,
        magic: Vec::new(),
        mask: Vec::new(),
    };
    let hex = |s: &str| -> Option<Vec<u8>> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
            .collect()
    };
    for line in text.lines() {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
        match k {
            "enabled" => h.enabled = true,
            "flags:" => h.fix_binary = v.contains('F'),
            "offset" => h.offset = v.trim().parse().ok()?,
            "magic" => h.magic = hex(v.trim())?,
            "mask" => h.mask = hex(v.trim())?,
            _ => {}
        }
    }
    (!h.magic.is_empty()).then_some(h)
}

impl Handler {
    fn matches(&self, data: &[u8]) -> bool {
        self.magic.iter().enumerate().all(|(i, m)| {
            let mask = self.mask.get(i).copied().unwrap_or(0xff);
            data.get(self.offset + i)
                .is_some_and(|d| d & mask == m & mask)
        })
    }
}

/// Fail, with what to install and run, unless a step for `platform`
/// (OCI `os/arch[/variant]`, architecture `arch`) can run here: natively,
/// or through an enabled binfmt_misc handler with the F flag. Where
/// binfmt_misc is not mounted (berth in a container whose host has the
/// handlers) nothing can be told: the answer is a warning, and the step
/// runs.
pub fn check(platform: &str, arch: &str) -> Result<Option<String>> {
    if native(arch) {
        return Ok(None);
    }
    check_in(Path::new(BINFMT), platform, arch)
}

fn check_in(dir: &Path, platform: &str, arch: &str) -> Result<Option<String>> {
    let Some(header) = elf_header(arch) else {
        bail!("{platform}: berth knows no emulator for architecture {arch}");
    };
    let qemu = elf_of(arch).map(|e| e.3).unwrap_or(arch);
    let register = format!(
        "install Debian's qemu-user-static and register it as root (systemctl restart systemd-binfmt, or write the line of /usr/lib/binfmt.d/qemu-{qemu}.conf to {}/register)",
        dir.display()
    );
    if !dir.join("status").exists() {
        return Ok(Some(format!(
            "{platform}: programs of {arch} need an emulator, and binfmt_misc is not mounted here, so berth cannot see one; if the step fails to start, mount it (mount -t binfmt_misc binfmt_misc {}), then {register}",
            dir.display()
        )));
    }
    if std::fs::read_to_string(dir.join("status")).is_ok_and(|s| s.trim() == "disabled") {
        bail!(
            "{platform}: programs of {arch} need an emulator, and binfmt_misc is disabled (echo 1 > {}/status)",
            dir.display()
        );
    }
    let mut unfixed = None;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "status" || name == "register" {
            continue;
        }
        let Some(h) = std::fs::read_to_string(e.path())
            .ok()
            .and_then(|t| parse_handler(&name, &t))
        else {
            continue;
        };
        if !h.enabled || !h.matches(&header) {
            continue;
        }
        if h.fix_binary {
            return Ok(None);
        }
        unfixed = Some(h.name);
    }
    match unfixed {
        Some(n) => bail!(
            "{platform}: the binfmt_misc handler {n} runs {arch} programs but lacks the F flag, so containers cannot reach its emulator: register it again with flags F (Debian's qemu-user-static: /usr/lib/binfmt.d/qemu-{qemu}.conf)"
        ),
        None => bail!("{platform}: no emulator for {arch} programs is registered with binfmt_misc: {register}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QEMU_AARCH64: &str = "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\noffset 0\nmagic 7f454c460201010000000000000000000200b700\nmask ffffffffffffff00fffffffffffffffffeffffff\n";

    #[test]
    fn qemu_handlers_match_their_architecture_only() {
        let h = parse_handler("qemu-aarch64", QEMU_AARCH64).unwrap();
        assert!(h.enabled && h.fix_binary);
        assert!(h.matches(&elf_header("arm64").unwrap()));
        assert!(!h.matches(&elf_header("amd64").unwrap()));
        assert!(!h.matches(&elf_header("arm").unwrap()));
    }

    #[test]
    fn missing_or_unfixed_handlers_say_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let w = check_in(dir.path(), "linux/arm64", "arm64").unwrap();
        assert!(w.unwrap().contains("not mounted"));
        std::fs::write(dir.path().join("status"), "enabled\n").unwrap();
        let e = check_in(dir.path(), "linux/arm64", "arm64").unwrap_err();
        assert!(e.to_string().contains("qemu-user-static"), "{e}");
        assert!(e.to_string().contains("qemu-aarch64.conf"), "{e}");
        std::fs::write(
            dir.path().join("qemu-aarch64"),
            QEMU_AARCH64.replace("POCF", "POC"),
        )
        .unwrap();
        let e = check_in(dir.path(), "linux/arm64", "arm64").unwrap_err();
        assert!(e.to_string().contains("lacks the F flag"), "{e}");
        std::fs::write(dir.path().join("qemu-aarch64"), QEMU_AARCH64).unwrap();
        assert_eq!(check_in(dir.path(), "linux/arm64", "arm64").unwrap(), None);
        let e = check_in(dir.path(), "linux/riscv64", "riscv64").unwrap_err();
        assert!(e.to_string().contains("qemu-riscv64.conf"), "{e}");
        assert!(check_in(dir.path(), "linux/foo", "foo").is_err());
        assert!(native("x86_64") == native("amd64"));
    }
}
