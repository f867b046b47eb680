//! The names lifsim gives to what it keeps beside an output directory `D`, in D's parent:
//! `.D.lifsim-lock`, and the staging and old directories `.D.lifsim-new-XXXXXXXXXX` and
//! `.D.lifsim-old-XXXXXXXXXX` (ten characters of `[0-9a-z]`), so that stale ones are found by
//! their exact pattern and nothing else is ever taken for them.

use std::ffi::{OsStr, OsString};
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Characters of the random part of a staging or old directory's name.
const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
/// Length of the random part.
const RANDOM_LEN: usize = 10;

/// What a sibling directory of `D` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sibling {
    /// A run being written (or, after a swap, the run it replaced).
    New,
    /// A replaced run, moved aside when the directories could not be exchanged in one step.
    Old,
}

impl Sibling {
    fn tag(self) -> &'static str {
        match self {
            Sibling::New => "new",
            Sibling::Old => "old",
        }
    }
}

/// An output directory's parent and name, and so the names of its siblings.
#[derive(Debug, Clone)]
pub(crate) struct Siblings {
    parent: PathBuf,
    name: OsString,
}

impl Siblings {
    /// The siblings of the directory `name` in `parent`.
    pub(crate) fn new(parent: &Path, name: &OsStr) -> Self {
        Self { parent: parent.to_path_buf(), name: name.to_os_string() }
    }

    /// The parent directory.
    pub(crate) fn parent(&self) -> &Path {
        &self.parent
    }

    /// The output directory itself.
    pub(crate) fn dir(&self) -> PathBuf {
        self.parent.join(&self.name)
    }

    /// `.D.` and then `rest`.
    fn named(&self, rest: &str) -> OsString {
        let mut name = OsString::from(".");
        name.push(&self.name);
        name.push(".");
        name.push(rest);
        name
    }

    /// The lock file, `.D.lifsim-lock`.
    pub(crate) fn lock(&self) -> PathBuf {
        self.parent.join(self.named("lifsim-lock"))
    }

    /// A fresh path for a sibling of `kind` (not created; a new random part on every call).
    pub(crate) fn fresh(&self, kind: Sibling) -> PathBuf {
        self.parent.join(self.named(&format!("lifsim-{}-{}", kind.tag(), random_part())))
    }

    /// What `entry` (a name in the parent) is, when it has the exact pattern of a sibling.
    pub(crate) fn kind_of(&self, entry: &OsStr) -> Option<Sibling> {
        [Sibling::New, Sibling::Old].into_iter().find(|&kind| {
            let prefix = self.named(&format!("lifsim-{}-", kind.tag()));
            entry.as_encoded_bytes().strip_prefix(prefix.as_encoded_bytes()).is_some_and(is_random_part)
        })
    }
}

/// Whether `rest` is exactly a random part as [`random_part`] makes them.
fn is_random_part(rest: &[u8]) -> bool {
    rest.len() == RANDOM_LEN && rest.iter().all(|c| ALPHABET.contains(c))
}

/// Ten random characters of `[0-9a-z]` (from the standard library's randomly keyed hasher,
/// the process id, the time and a counter: unique enough for names that are retried when taken).
fn random_part() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    hasher.write_u128(now.as_nanos());
    let mut bits = hasher.finish();
    (0..RANDOM_LEN)
        .map(|_| {
            let c = ALPHABET[(bits % 36) as usize];
            bits /= 36;
            char::from(c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_names_have_the_pattern_they_are_recognized_by() {
        let siblings = Siblings::new(Path::new("/tmp/x"), OsStr::new("run"));
        for kind in [Sibling::New, Sibling::Old] {
            let path = siblings.fresh(kind);
            assert_eq!(path.parent(), Some(Path::new("/tmp/x")));
            let name = path.file_name().unwrap();
            assert!(name.to_str().unwrap().starts_with(&format!(".run.lifsim-{}-", kind.tag())), "{name:?}");
            assert_eq!(siblings.kind_of(name), Some(kind));
        }
        assert_ne!(siblings.fresh(Sibling::New), siblings.fresh(Sibling::New));
        assert_eq!(siblings.lock(), Path::new("/tmp/x/.run.lifsim-lock"));
    }

    #[test]
    fn only_the_exact_pattern_is_a_sibling() {
        let siblings = Siblings::new(Path::new("/p"), OsStr::new("run"));
        for name in [".run.lifsim-new-0123456789", ".run.lifsim-old-abcdefghij"] {
            assert!(siblings.kind_of(OsStr::new(name)).is_some(), "{name}");
        }
        for name in [
            ".run.lifsim-new-012345678",   // too short
            ".run.lifsim-new-0123456789a", // too long
            ".run.lifsim-new-ABCDEFGHIJ",  // upper case
            ".run.lifsim-lock",
            ".runs.lifsim-new-0123456789", // another directory's
            ".ru.lifsim-new-0123456789",
            "run.lifsim-new-0123456789",
            ".run.lifsim-new-01234-6789",
            "notes.txt",
        ] {
            assert_eq!(siblings.kind_of(OsStr::new(name)), None, "{name}");
        }
    }
}
