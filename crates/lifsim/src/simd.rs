//! Runs a kernel compiled for the widest x86-64 vector extension the CPU has (the one module with `unsafe`).
//!
//! The engine's window kernel is plain, branch-free Rust over arrays of neurons that LLVM
//! vectorizes. A release build targets baseline x86-64 (SSE2, two doubles per register) so
//! that it runs on any x86-64 CPU; here the same generic kernel is compiled a second and
//! third time inside `#[target_feature]` functions (AVX2: four doubles; AVX-512: eight) and the
//! one the CPU supports is chosen at run time. Calling a `#[target_feature]` function is
//! `unsafe` (the CPU must have the feature), hence this module; `bench/RESULTS.md` gives
//! the measured gain.
//!
//! All copies compute the same bits: Rust never contracts `a * b + c` into a fused
//! multiply-add, the kernels call no libm function (see [`crate::rng::ln_open`]), and
//! IEEE add, multiply, divide and square root are correctly rounded at every vector width.
#![allow(unsafe_code)]

/// A piece of work whose body is `#[inline(always)]`, so it is compiled into each copy below.
pub(crate) trait Kernel {
    /// Does the work.
    fn run(&mut self);
}

/// Which compiled copy of a kernel runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    /// Baseline code for the build target.
    Portable,
    /// x86-64 with AVX2.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// x86-64 with AVX-512 (F, VL, DQ).
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Isa {
    /// The widest copy this CPU can run.
    pub fn best() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512dq")
            {
                return Isa::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Isa::Avx2;
            }
        }
        Isa::Portable
    }

    /// Every copy this CPU can run, narrowest first.
    #[cfg(test)]
    pub fn available() -> Vec<Self> {
        let mut all = vec![Isa::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                all.push(Isa::Avx2);
            }
            if Isa::best() == Isa::Avx512 {
                all.push(Isa::Avx512);
            }
        }
        all
    }

    /// Runs `kernel` in this copy.
    #[inline]
    pub fn run<K: Kernel>(self, kernel: &mut K) {
        match self {
            Isa::Portable => kernel.run(),
            // SAFETY: `Isa::Avx2` is only constructed after detecting AVX2 on this CPU.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { run_avx2(kernel) },
            // SAFETY: `Isa::Avx512` is only constructed after detecting AVX-512 F, VL and DQ.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { run_avx512(kernel) },
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_avx2<K: Kernel>(kernel: &mut K) {
    kernel.run();
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq")]
fn run_avx512<K: Kernel>(kernel: &mut K) {
    kernel.run();
}
