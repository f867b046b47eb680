//! `.lifsim-run.json`, the manifest of a run's directory (version, date, command, files), and
//! from it (or, in a directory an older lifsim wrote, from the names it used) which files of a
//! directory are an earlier run's and which are someone else's.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// The manifest's file name in a run's directory.
pub const MANIFEST: &str = ".lifsim-run.json";

/// What `.lifsim-run.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Manifest {
    /// The lifsim that wrote the run.
    pub lifsim_version: String,
    /// When the run was committed, RFC 3339 in UTC (`2026-01-31T12:00:00Z`).
    pub date: String,
    /// What wrote it, e.g. the command line.
    pub command: String,
    /// The run's files (plain names in the directory), the manifest not included.
    pub files: Vec<String>,
}

/// What an existing directory holds of an earlier run.
#[derive(Debug, Default)]
pub(crate) struct Previous {
    /// Names of the regular files that belong to the earlier run (its manifest included).
    pub ours: BTreeSet<OsString>,
    /// When the earlier run was written; `None` when there was none.
    pub date: Option<String>,
}

/// Result files of lifsim versions before the manifest.
const LEGACY_FILES: &[&str] = &["summary.json", "results.npz", "spikes.csv", "report.html", "sweep.csv", "sweep.json"];
/// Figure names (`NAME.png`, `NAME.svg`) of lifsim versions before the manifest; the tutorial's
/// `exNN...` figures are matched by [`is_tutorial_figure`].
const LEGACY_FIGURES: &[&str] = &["voltage", "moments", "histograms", "raster", "isi", "spike_counts", "sweep"];

/// Whether `name` is a file name that lifsim wrote before it kept a manifest.
pub(crate) fn is_legacy_name(name: &str) -> bool {
    if LEGACY_FILES.contains(&name) {
        return true;
    }
    match name.strip_suffix(".png").or_else(|| name.strip_suffix(".svg")) {
        Some(stem) => LEGACY_FIGURES.contains(&stem) || is_tutorial_figure(stem),
        None => false,
    }
}

/// `exNN` followed by lower-case letters, digits and underscores (`ex02`, `ex12_isi`).
fn is_tutorial_figure(stem: &str) -> bool {
    let Some(rest) = stem.strip_prefix("ex") else { return false };
    let bytes = rest.as_bytes();
    bytes.len() >= 2
        && bytes[..2].iter().all(u8::is_ascii_digit)
        && bytes[2..].iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// Whether `name` is a temporary file that lifsim versions before the staging directory left
/// in an output directory when killed: `.NAME.XXXXXX.tmp`, NAME a result file's name and
/// XXXXXX six ASCII letters or digits.
pub(crate) fn is_legacy_temp(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else { return false };
    let Some((file, random)) = inner.rsplit_once('.') else { return false };
    random.len() == 6 && random.bytes().all(|c| c.is_ascii_alphanumeric()) && is_legacy_name(file)
}

/// Reads what `dir` (an existing directory) holds of an earlier run.
///
/// With a manifest, the files it lists are the run's. Without one, a directory whose
/// `summary.json` or `sweep.json` has a `lifsim_version` key was written by an older lifsim,
/// and its files with lifsim's result names are the run's. Only regular files count: a
/// directory or link with a result's name is someone else's. An unreadable or malformed
/// manifest is not lifsim's either (and so blocks a run that would overwrite it).
///
/// # Errors
/// An I/O error reading the directory.
pub(crate) fn read_previous(dir: &Path) -> io::Result<Previous> {
    let is_file = |name: &str| fs::symlink_metadata(dir.join(name)).is_ok_and(|m| m.is_file());
    let mut previous = Previous::default();
    let manifest = || fs::read(dir.join(MANIFEST)).ok().and_then(|b| serde_json::from_slice::<Manifest>(&b).ok());
    if is_file(MANIFEST)
        && let Some(manifest) = manifest()
    {
        previous.ours.insert(MANIFEST.into());
        previous.ours.extend(manifest.files.iter().filter(|n| is_plain(n) && is_file(n)).map(OsString::from));
        previous.date = Some(manifest.date);
        return Ok(previous);
    }
    for legacy in ["summary.json", "sweep.json"] {
        if is_file(legacy) && has_lifsim_version(&dir.join(legacy)) {
            for entry in fs::read_dir(dir)? {
                let entry = entry?;
                let name = entry.file_name();
                if name.to_str().is_some_and(is_legacy_name) && entry.file_type()?.is_file() {
                    previous.ours.insert(name);
                }
            }
            let written = fs::metadata(dir.join(legacy)).and_then(|m| m.modified()).ok();
            previous.date = Some(written.map_or_else(|| "an unknown date".into(), rfc3339));
            break;
        }
    }
    Ok(previous)
}

/// Whether `name` names an entry of a directory itself (no separator, not `.` or `..`).
pub(crate) fn is_plain(name: &str) -> bool {
    Path::new(name).file_name().is_some_and(|n| n == name)
}

/// Whether the JSON object in `path` has a string `lifsim_version`.
fn has_lifsim_version(path: &Path) -> bool {
    let Ok(bytes) = fs::read(path) else { return false };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .is_ok_and(|v| v.get("lifsim_version").is_some_and(|v| v.is_string()))
}

/// `time` as RFC 3339 in UTC to the second, e.g. `2026-01-31T12:00:00Z`.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, second) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_date(days as i64);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", second / 3600, second / 60 % 60, second % 60)
}

/// The proleptic Gregorian (year, month, day) of `days` since 1970-01-01 (Howard Hinnant's
/// days-to-civil algorithm: eras of 400 years, years starting on 1 March).
fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_rfc3339_in_utc() {
        let at = |s: u64| rfc3339(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_709_210_096), "2024-02-29T12:34:56Z");
        assert_eq!(at(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(at(1_735_689_600), "2025-01-01T00:00:00Z");
    }

    #[test]
    fn legacy_names_and_temporary_files() {
        for name in
            ["summary.json", "results.npz", "sweep.csv", "isi.png", "spike_counts.svg", "ex02.png", "ex12_isi.svg"]
        {
            assert!(is_legacy_name(name), "{name}");
        }
        for name in ["notes.txt", "summary.json.bak", "ex2.png", "exam.png", "voltage.pdf", "Ex02.png", "ex02-a.png"] {
            assert!(!is_legacy_name(name), "{name}");
        }
        for name in [".results.npz.Ab3xYz.tmp", ".spikes.csv.000000.tmp", ".ex12_isi.png.aaaaaa.tmp"] {
            assert!(is_legacy_temp(name), "{name}");
        }
        for name in [
            ".notes.txt.Ab3xYz.tmp",
            ".results.npz.Ab3xY.tmp",
            ".results.npz.Ab3xYz",
            "results.npz.Ab3xYz.tmp",
            ".results.npz.Ab-xYz.tmp",
        ] {
            assert!(!is_legacy_temp(name), "{name}");
        }
    }

    #[test]
    fn an_older_lifsims_directory_is_recognized_by_its_summary() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("summary.json"), r#"{"lifsim_version": "0.1.0"}"#).unwrap();
        fs::write(dir.path().join("isi.png"), "png").unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        fs::create_dir(dir.path().join("raster.png")).unwrap();
        let previous = read_previous(dir.path()).unwrap();
        let ours: Vec<_> = previous.ours.iter().map(|n| n.to_str().unwrap()).collect();
        assert_eq!(ours, ["isi.png", "summary.json"], "a directory named like a figure is not lifsim's");
        assert!(previous.date.is_some());

        let foreign = tempfile::tempdir().unwrap();
        fs::write(foreign.path().join("summary.json"), r#"{"mine": true}"#).unwrap();
        let previous = read_previous(foreign.path()).unwrap();
        assert!(previous.ours.is_empty() && previous.date.is_none());
    }

    #[test]
    fn a_manifest_names_the_runs_files_and_a_malformed_one_is_not_lifsims() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = Manifest {
            lifsim_version: "9.9.9".into(),
            date: "2026-01-31T12:00:00Z".into(),
            command: "test".into(),
            files: vec!["a.txt".into(), "missing.txt".into(), "../escape".into()],
        };
        fs::write(dir.path().join(MANIFEST), serde_json::to_vec(&manifest).unwrap()).unwrap();
        fs::write(dir.path().join("a.txt"), "").unwrap();
        fs::write(dir.path().join("summary.json"), r#"{"lifsim_version": "0.1.0"}"#).unwrap();
        let previous = read_previous(dir.path()).unwrap();
        let ours: Vec<_> = previous.ours.iter().map(|n| n.to_str().unwrap()).collect();
        assert_eq!(ours, [MANIFEST, "a.txt"], "only what the manifest lists, and exists as a file");
        assert_eq!(previous.date.as_deref(), Some("2026-01-31T12:00:00Z"));

        fs::write(dir.path().join(MANIFEST), "not json").unwrap();
        let previous = read_previous(dir.path()).unwrap();
        assert!(!previous.ours.contains(&OsString::from(MANIFEST)));
        assert!(previous.ours.contains(&OsString::from("summary.json")), "then the older rules apply");
    }
}
