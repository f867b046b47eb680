//! The memory this process may still use: the cgroup's limit less its usage, or MemAvailable.
//!
//! A run is refused up front when its estimate ([`lifsim::memory`]) exceeds this (or a limit
//! the user gives), rather than aborting or being killed minutes later.

use std::fs;
use std::path::Path;

/// The bytes this process can still allocate, as far as the system says: the smallest of the
/// cgroup v2 `memory.max - memory.current`, the cgroup v1 `memory.limit_in_bytes -
/// memory.usage_in_bytes` (for the process's own cgroup and the mounted root) and
/// `/proc/meminfo`'s MemAvailable. `None` where none of them can be read (not Linux).
///
/// ```
/// if let Some(bytes) = lifsim_io::memory::available() {
///     assert!(bytes > 0);
/// }
/// ```
pub fn available() -> Option<u64> {
    let mut candidates: Vec<u64> = Vec::new();
    candidates.extend(mem_available());
    let cgroups = fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    for line in cgroups.lines() {
        // `ID:CONTROLLERS:PATH`; v2 has an empty controller list.
        let mut fields = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let path = path.trim_start_matches('/');
        if controllers.is_empty() {
            for dir in [Path::new("/sys/fs/cgroup").join(path), "/sys/fs/cgroup".into()] {
                candidates.extend(headroom(&dir.join("memory.max"), &dir.join("memory.current")));
            }
        } else if controllers.split(',').any(|c| c == "memory") {
            for dir in [Path::new("/sys/fs/cgroup/memory").join(path), "/sys/fs/cgroup/memory".into()] {
                candidates.extend(headroom(&dir.join("memory.limit_in_bytes"), &dir.join("memory.usage_in_bytes")));
            }
        }
    }
    candidates.into_iter().min()
}

/// `limit - usage` from two files holding numbers; `None` for "max" (no limit) or unreadable files.
fn headroom(limit: &Path, usage: &Path) -> Option<u64> {
    let number = |path: &Path| fs::read_to_string(path).ok()?.trim().parse::<u64>().ok();
    // cgroup v1 writes "no limit" as a huge number just below 2^63.
    let limit = number(limit).filter(|&l| l < (1 << 62))?;
    Some(limit.saturating_sub(number(usage).unwrap_or(0)))
}

/// MemAvailable of /proc/meminfo, in bytes.
fn mem_available() -> Option<u64> {
    let meminfo = fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headroom_reads_limits_and_ignores_no_limit() {
        let dir = tempfile::tempdir().unwrap();
        let (limit, usage) = (dir.path().join("limit"), dir.path().join("usage"));
        fs::write(&limit, "1000\n").unwrap();
        fs::write(&usage, "300\n").unwrap();
        assert_eq!(headroom(&limit, &usage), Some(700));
        fs::write(&limit, "max\n").unwrap();
        assert_eq!(headroom(&limit, &usage), None);
        fs::write(&limit, "9223372036854771712\n").unwrap();
        assert_eq!(headroom(&limit, &usage), None);
        assert_eq!(headroom(&dir.path().join("absent"), &usage), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_reports_some_memory() {
        let bytes = available().expect("MemAvailable is readable on Linux");
        assert!(bytes > 1_000_000, "{bytes}");
    }
}
