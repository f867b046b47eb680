//! Hands the heap pages a run has freed back to the operating system (glibc keeps them otherwise).
//!
//! A chunk's state is many vectors of a few kilobytes: glibc's allocator serves them from its
//! heap, not from their own mappings, and keeps their pages when they are freed. When a run
//! frees its neurons' state just before its spike recording reaches its full size, the freed
//! pages would stay in the process's resident memory beside the spikes (at n = 1e6, about
//! 55 MB on top of 434 MB of spikes; bench/RESULTS.md, issue 18). `malloc_trim` returns every
//! whole free page. Other allocators and platforms return freed memory their own way, so there
//! the call does nothing.
#![allow(unsafe_code)]

/// Returns the whole free pages of the heap to the operating system (glibc only; elsewhere a
/// no-op). Costs a walk over the heap's free lists: call it once a large part has been freed.
pub(super) fn release_freed_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases memory the allocator holds as free; it takes no
    // pointer and is safe to call at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}
