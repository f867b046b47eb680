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
//! For the hottest work, white-noise runs, there is also a hand-written AVX-512 kernel
//! ([`fill_normals`], [`advance`]): Philox rounds on 8 neurons per register, the f32
//! Box-Muller transform on 16, and the fused membrane step with its moments on 8. LLVM's
//! auto-vectorization of the generic code leaves a factor of about two on the table there
//! (bench/RESULTS.md); these functions compute the generic code's exact operation sequence,
//! and `engine::tests` checks every copy against the portable one bit for bit.
//!
//! All copies compute the same bits: Rust never contracts `a * b + c` into a fused
//! multiply-add (where the code wants one, in the normal transform and the membrane step, it
//! asks with `mul_add`, which is an FMA instruction in the
//! AVX2 and AVX-512 copies and a correctly rounded libm call in the portable one), the
//! kernels call no other libm function (see
//! [`crate::rng::minus_two_ln_uniform`]), and IEEE add, multiply, divide, square root and
//! fused multiply-add are correctly rounded at every vector width.
#![allow(unsafe_code)]

use crate::record::GroupMoments;
use crate::rng::ChunkStreams;

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
    /// x86-64 with AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// x86-64 with AVX-512 (F, VL, DQ) and FMA.
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Isa {
    /// The widest copy this CPU can run.
    pub fn best() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            let fma = std::arch::is_x86_feature_detected!("fma");
            if fma
                && std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512dq")
            {
                return Isa::Avx512;
            }
            if fma && std::arch::is_x86_feature_detected!("avx2") {
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
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
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
#[target_feature(enable = "avx2,fma")]
fn run_avx2<K: Kernel>(kernel: &mut K) {
    kernel.run();
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,fma")]
fn run_avx512<K: Kernel>(kernel: &mut K) {
    kernel.run();
}

/// Asks the CPU to bring the cache lines of `data` into its caches ahead of use (a hint:
/// nothing is read, no fault can occur, and the results never depend on it). Spike delivery
/// uses it for the rows of the spikes a few places ahead, whose first lines would otherwise
/// be a cache miss each.
#[inline(always)]
pub(crate) fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let bytes = std::mem::size_of_val(data);
        let start = data.as_ptr().cast::<i8>();
        for offset in (0..bytes).step_by(64) {
            // SAFETY: a prefetch of any address is architecturally a no-op if the address is
            // not mapped, and `start + offset` lies inside `data` anyway; SSE is part of x86-64.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}

/// Neurons per iteration of the AVX-512 kernels: [`fill_normals`] and [`advance`] run only on
/// chunks whose length is a multiple of this (every chunk but perhaps the last).
pub(crate) const FAST_LANES: usize = 32;

/// Writes the standard normals of Philox block `block` of every neuron of `streams` into
/// `out` (`out[w][j]` = sample `4 block + w` of neuron `j`, as [`crate::rng::normals`]
/// gives them) with the AVX-512 kernel, and returns true; returns false, writing nothing,
/// when `isa` is not AVX-512 or the lengths do not suit it.
pub(crate) fn fill_normals(isa: Isa, streams: &ChunkStreams, block: u32, out: [&mut [f32]; 4]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx512 && streams.len().is_multiple_of(FAST_LANES) && out.iter().all(|o| o.len() == streams.len()) {
        // SAFETY: `Isa::Avx512` is only constructed after detecting AVX-512 F and FMA; the
        // lengths were checked above.
        unsafe { avx512::fill_normals(streams, block, out) };
        return true;
    }
    let _ = (isa, streams, block, out);
    false
}

/// The per-step constants of the membrane update, for [`advance`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepLanes<'a> {
    pub decay: f64,
    pub drive: f64,
    /// `noise_scale` and the step's standard normals (one per neuron), or `None` without noise.
    pub noise: Option<(f64, &'a [f32])>,
    pub v_th: f64,
    pub v_reset: f64,
    /// The step being computed (a neuron is clamped while `release > now`).
    pub now: u32,
    /// `release` of a neuron that spikes now.
    pub release_at: u32,
    /// How many of the lanes are neurons (the rest pad the chunk to a multiple of
    /// [`FAST_LANES`]: they are stepped but neither counted in the moments nor flagged).
    pub neurons: usize,
}

/// One membrane step of a chunk with the AVX-512 kernel:
/// `x = (decay v + drive) + noise_scale xi`, clamp while `release > now`, threshold, reset,
/// `release = release_at` at a spike; writes one bit per lane into `fired` (byte `g`, bit
/// `i`: lane `8 g + i`; the padding lanes of the last group of neurons may be set, the bytes
/// of groups of padding only are not written) and returns the moments of the new V of the
/// first `step.neurons` lanes ([`GroupMoments::of`]'s value). `None`, touching nothing, when `isa`
/// is not AVX-512 or the lengths do not suit it.
pub(crate) fn advance(
    isa: Isa,
    step: &StepLanes,
    v: &mut [f64],
    release: &mut [u32],
    fired: &mut [u8],
) -> Option<GroupMoments> {
    #[cfg(target_arch = "x86_64")]
    {
        let len = v.len();
        let fits = step.neurons > 0
            && step.neurons <= len
            && len.is_multiple_of(FAST_LANES)
            && release.len() == len
            && fired.len() == len / 8
            && step.noise.is_none_or(|(_, xi)| xi.len() == len);
        if isa == Isa::Avx512 && fits {
            // SAFETY: as in `fill_normals`.
            return Some(unsafe {
                if step.noise.is_some() {
                    avx512::advance::<true>(step, v, release, fired)
                } else {
                    avx512::advance::<false>(step, v, release, fired)
                }
            });
        }
    }
    let _ = (isa, step, v, release, fired);
    None
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    //! The AVX-512 kernels; each mirrors a scalar definition named in its comment.
    use super::StepLanes;
    use crate::record::{GroupMoments, pairwise_sum8};
    use crate::rng::{BlockStart, ChunkStreams, PHILOX_M0, PHILOX_M1};
    use std::arch::x86_64::*;

    /// [`crate::rng::minus_two_ln_uniform`], [`crate::rng::unit_circle`] and
    /// [`crate::rng::normal_pair`] on `L` sets of 16 lanes, the same operations in the same
    /// order. The `L` sets go through each operation together: every stage is a long chain of
    /// dependent multiply-adds, and interleaved independent chains keep the FMA units fed
    /// (measured with `kernel_speed`, bench/RESULTS.md).
    #[inline(always)]
    unsafe fn normal_pairs<const L: usize>(radius_bits: [__m512i; L], angle_bits: [__m512i; L]) -> [[__m512; 2]; L] {
        use crate::rng::{COS_POLY, LN2_HI, LN2_LO, MINUS_TWO_LN_POLY, SIN_POLY};
        // SAFETY: only inlined into functions with AVX-512 F and FMA enabled.
        unsafe {
            // Closures and `array::from_fn` would not inherit the caller's target features (and
            // then not be inlined): `each!` fills an array with a loop instead.
            macro_rules! each {
                ($i:ident => $value:expr) => {{
                    // SAFETY: all-zero bits are a valid vector or mask.
                    let mut out: [_; L] = std::mem::zeroed();
                    for $i in 0..L {
                        out[$i] = $value;
                    }
                    out
                }};
            }
            use _mm512_fmadd_ps as fma;
            use _mm512_set1_ps as c;
            let x: [__m512; L] =
                each!(i => _mm512_add_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32::<1>(radius_bits[i])), c(0.5)));
            // getexp is the exponent field minus 127, exactly, for these normal numbers.
            let e: [__m512; L] = each!(i => _mm512_sub_ps(_mm512_getexp_ps(x[i]), c(31.0)));
            // (raw & 0x007F_FFFF) | 0x3F80_0000 in one ternary-logic instruction.
            let m: [__m512; L] = each!(i => {
                _mm512_castsi512_ps(_mm512_ternarylogic_epi32::<0xF8>(
                    _mm512_set1_epi32(0x3F80_0000),
                    _mm512_castps_si512(x[i]),
                    _mm512_set1_epi32(0x007F_FFFF),
                ))
            });
            let big: [__mmask16; L] = each!(i => _mm512_cmp_ps_mask::<_CMP_GT_OQ>(m[i], c(std::f32::consts::SQRT_2)));
            let f: [__m512; L] = each!(i => _mm512_sub_ps(_mm512_mask_mul_ps(m[i], big[i], m[i], c(0.5)), c(1.0)));
            let k: [__m512; L] = each!(i => _mm512_mask_add_ps(e[i], big[i], e[i], c(1.0)));
            let highest = MINUS_TWO_LN_POLY.len() - 1;
            let mut g = [c(MINUS_TWO_LN_POLY[highest]); L];
            for &coefficient in MINUS_TWO_LN_POLY[..highest].iter().rev() {
                g = each!(i => fma(g[i], f[i], c(coefficient)));
            }
            let q: [__m512; L] =
                each!(i => fma(k[i], c(-2.0 * LN2_HI), fma(k[i], c(-2.0 * LN2_LO), _mm512_mul_ps(f[i], g[i]))));
            let radius: [__m512; L] = each!(i => _mm512_sqrt_ps(q[i]));

            let th: [__m512; L] = each!(i => {
                let y = _mm512_cvtepi32_ps(_mm512_and_si512(angle_bits[i], _mm512_set1_epi32(0x3FFF_FFFF)));
                fma(y, c(std::f32::consts::PI / 2_147_483_648.0), c(-std::f32::consts::FRAC_PI_4))
            });
            let z: [__m512; L] = each!(i => _mm512_mul_ps(th[i], th[i]));
            let (mut sin_poly, mut cos_poly) = ([c(SIN_POLY[2]); L], [c(COS_POLY[2]); L]);
            for d in (0..2).rev() {
                sin_poly = each!(i => fma(z[i], sin_poly[i], c(SIN_POLY[d])));
                cos_poly = each!(i => fma(z[i], cos_poly[i], c(COS_POLY[d])));
            }
            let sign = _mm512_set1_epi32(i32::MIN);
            each!(i => {
                let sin = fma(_mm512_mul_ps(th[i], z[i]), sin_poly[i], th[i]);
                let cos = fma(z[i], cos_poly[i], c(1.0));
                let odd = _mm512_test_epi32_mask(angle_bits[i], _mm512_set1_epi32(0x4000_0000));
                let cx = _mm512_mask_blend_ps(odd, cos, sin);
                let cy = _mm512_mask_blend_ps(odd, sin, cos);
                // Sign flips as in rng::unit_circle: x ^= (a ^ (a << 1)) & sign, y ^= a & sign,
                // each one ternary-logic instruction (A ^ (B & C) is 0x78).
                let turn = _mm512_xor_si512(angle_bits[i], _mm512_slli_epi32::<1>(angle_bits[i]));
                let cx = _mm512_castsi512_ps(_mm512_ternarylogic_epi32::<0x78>(_mm512_castps_si512(cx), turn, sign));
                let cy = _mm512_castsi512_ps(_mm512_ternarylogic_epi32::<0x78>(
                    _mm512_castps_si512(cy),
                    angle_bits[i],
                    sign,
                ));
                [_mm512_mul_ps(radius[i], cx), _mm512_mul_ps(radius[i], cy)]
            })
        }
    }

    /// The standard normals of Philox block `start` of neurons `base .. base + 32` of
    /// `streams`: [`ChunkStreams::block`] on 4 interleaved groups of 8 (which keeps the
    /// multipliers busy), then [`crate::rng::normals`]. Entry `2 h` holds samples 0 and 1 of
    /// neurons `base + 16 h ..` (16 lanes each), entry `2 h + 1` samples 2 and 3.
    ///
    /// Safety: AVX-512 F and FMA; `base + 32` at most the streams' length.
    #[inline(always)]
    unsafe fn normals32(streams: &ChunkStreams, start: &BlockStart, base: usize) -> [[__m512; 2]; 4] {
        // SAFETY: see the function's safety section.
        unsafe {
            // (No closures here: a closure would not inherit the caller's target features.)
            let start_words = [start.word0, start.word1, start.word2].map(|w| w as i64);
            let (word0, word1, word2) = (
                _mm512_set1_epi64(start_words[0]),
                _mm512_set1_epi64(start_words[1]),
                _mm512_set1_epi64(start_words[2]),
            );
            let m0 = _mm512_set1_epi64(i64::from(PHILOX_M0));
            let m1 = _mm512_set1_epi64(i64::from(PHILOX_M1));
            let (mut c0, mut c1, mut c2, mut c3) = ([word0; 4], [word1; 4], [word2; 4], [word2; 4]);
            for h in 0..4 {
                let j = base + 8 * h;
                c0[h] = _mm512_xor_si512(
                    _mm512_cvtepu32_epi64(_mm256_loadu_si256(streams.after0_word1.as_ptr().add(j).cast())),
                    word0,
                );
                c2[h] = _mm512_xor_si512(
                    _mm512_cvtepu32_epi64(_mm256_loadu_si256(streams.round1_hi.as_ptr().add(j).cast())),
                    word2,
                );
                c3[h] = _mm512_cvtepu32_epi64(_mm256_loadu_si256(streams.round1_lo.as_ptr().add(j).cast()));
            }
            for [key0, key1] in start.keys {
                let (k0, k1) = (_mm512_set1_epi64(key0 as i64), _mm512_set1_epi64(key1 as i64));
                for h in 0..4 {
                    // rng::philox_round_lanes.
                    let p0 = _mm512_mul_epu32(c0[h], m0);
                    let p1 = _mm512_mul_epu32(c2[h], m1);
                    c0[h] = _mm512_ternarylogic_epi64::<0x96>(_mm512_srli_epi64::<32>(p1), c1[h], k0);
                    c2[h] = _mm512_ternarylogic_epi64::<0x96>(_mm512_srli_epi64::<32>(p0), c3[h], k1);
                    c1[h] = p1;
                    c3[h] = p0;
                }
            }
            // Two groups of 8 64-bit lanes -> 16 32-bit words: the low halves, in one shuffle.
            let low = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            let radius_bits = [
                _mm512_permutex2var_epi32(c0[0], low, c0[1]),
                _mm512_permutex2var_epi32(c2[0], low, c2[1]),
                _mm512_permutex2var_epi32(c0[2], low, c0[3]),
                _mm512_permutex2var_epi32(c2[2], low, c2[3]),
            ];
            let angle_bits = [
                _mm512_permutex2var_epi32(c1[0], low, c1[1]),
                _mm512_permutex2var_epi32(c3[0], low, c3[1]),
                _mm512_permutex2var_epi32(c1[2], low, c1[3]),
                _mm512_permutex2var_epi32(c3[2], low, c3[3]),
            ];
            normal_pairs(radius_bits, angle_bits)
        }
    }

    /// [`super::fill_normals`]: [`normals32`] stored for every 32 neurons.
    #[target_feature(enable = "avx512f,avx512vl,avx512dq,fma")]
    pub(super) unsafe fn fill_normals(streams: &ChunkStreams, block: u32, out: [&mut [f32]; 4]) {
        let start = streams.start(block);
        let [o0, o1, o2, o3] = out;
        for base in (0..streams.len()).step_by(super::FAST_LANES) {
            // SAFETY: the caller checked that the streams have a multiple of 32 neurons.
            let normals = unsafe { normals32(streams, &start, base) };
            for half in 0..2 {
                let ([x0, x1], [x2, x3]) = (normals[2 * half], normals[2 * half + 1]);
                let j = base + 16 * half;
                // SAFETY: every output has the streams' length, a multiple of 32.
                unsafe {
                    _mm512_storeu_ps(o0.as_mut_ptr().add(j), x0);
                    _mm512_storeu_ps(o1.as_mut_ptr().add(j), x1);
                    _mm512_storeu_ps(o2.as_mut_ptr().add(j), x2);
                    _mm512_storeu_ps(o3.as_mut_ptr().add(j), x3);
                }
            }
        }
    }

    /// The constants of [`StepLanes`] broadcast to 8 lanes.
    struct Broadcast {
        decay: __m512d,
        drive: __m512d,
        scale: __m512d,
        v_th: __m512d,
        v_reset: __m512d,
        now: __m256i,
        release_at: __m256i,
    }

    /// The engine's fused update (`Chunk::advance`) on neurons `j .. j + 8`: new V and the
    /// spike mask.
    #[inline(always)]
    unsafe fn group<const NOISY: bool>(
        b: &Broadcast,
        v: *mut f64,
        release: *mut u32,
        xi: *const f32,
    ) -> (__m512d, __mmask8) {
        unsafe {
            let old = _mm512_loadu_pd(v);
            let affine = _mm512_fmadd_pd(b.decay, old, b.drive);
            let x = if NOISY { _mm512_fmadd_pd(b.scale, _mm512_cvtps_pd(_mm256_loadu_ps(xi)), affine) } else { affine };
            let rel = _mm256_loadu_si256(release.cast());
            let free = _mm256_cmp_epu32_mask::<_MM_CMPINT_LE>(rel, b.now);
            let crossed = _mm512_mask_cmp_pd_mask::<_CMP_GE_OQ>(free, x, b.v_th);
            let new = _mm512_mask_blend_pd(free & !crossed, b.v_reset, x);
            _mm512_storeu_pd(v, new);
            _mm256_mask_storeu_epi32(release.cast(), crossed, b.release_at);
            (new, crossed)
        }
    }

    /// [`super::advance`]: the fused step, then `GroupMoments::of` of the new V with the same
    /// eight lane sums, shifted by the first neuron's new V.
    #[target_feature(enable = "avx512f,avx512vl,avx512dq,fma")]
    pub(super) unsafe fn advance<const NOISY: bool>(
        step: &StepLanes,
        v: &mut [f64],
        release: &mut [u32],
        fired: &mut [u8],
    ) -> GroupMoments {
        let (scale, xi) = step.noise.unwrap_or((0.0, &[]));
        let b = Broadcast {
            decay: _mm512_set1_pd(step.decay),
            drive: _mm512_set1_pd(step.drive),
            scale: _mm512_set1_pd(scale),
            v_th: _mm512_set1_pd(step.v_th),
            v_reset: _mm512_set1_pd(step.v_reset),
            now: _mm256_set1_epi32(step.now as i32),
            release_at: _mm256_set1_epi32(step.release_at as i32),
        };
        let (vp, rp, xp) = (v.as_mut_ptr(), release.as_mut_ptr(), xi.as_ptr());
        let neurons = step.neurons;
        // SAFETY (all pointer offsets below): the caller checked that v, release and (with
        // noise) xi have the same length, a positive multiple of 32 and at least `neurons`,
        // and that fired has a byte per 8 lanes.
        // Lanes of group g that hold neurons: all 8 but in the last group with neurons; the
        // padding lanes after it are stepped (whole groups of them are skipped) but add +0.0
        // to the sums (the identity here: the sums start at +0.0, as in `GroupMoments::of`, and so
        // are never -0.0). (Masking the spike bits here too, `mask & real`, made LLVM fail
        // with "Cannot emit physreg copy instruction" in some builds; the caller drops them.)
        let groups = neurons.div_ceil(8);
        // Lanes of the last group with neurons that hold neurons.
        let last = (0xFFu16 >> (8 * groups - neurons)) as u8;
        let real = |g: usize| -> u8 { if g + 1 < groups { 0xFF } else { last } };
        let (first, mask) = unsafe { group::<NOISY>(&b, vp, rp, xp) };
        // Every group with neurons is written below; the bytes of groups of padding only are
        // never written (a `fill(0)` here was a `memset` call that spilled every register).
        fired[0] = _cvtmask8_u32(mask) as u8;
        let shift_value = _mm512_cvtsd_f64(first);
        let shift = _mm512_set1_pd(shift_value);
        let d = _mm512_maskz_sub_pd(real(0), first, shift);
        let zero = _mm512_setzero_pd();
        let (mut s1, mut s2) = (_mm512_add_pd(zero, d), _mm512_add_pd(zero, _mm512_mul_pd(d, d)));
        // Whole groups of neurons without a mask, then the last group with neurons.
        for (h, fired) in fired[1..groups.max(2) - 1].iter_mut().enumerate() {
            let j = 8 * (h + 1);
            let (new, mask) = unsafe { group::<NOISY>(&b, vp.add(j), rp.add(j), xp.wrapping_add(j)) };
            // Through a general register: a mask register stored straight to memory (`kmovb`)
            // cost about 3 % of the step (`kernel_speed`).
            *fired = _cvtmask8_u32(mask) as u8;
            let d = _mm512_sub_pd(new, shift);
            s1 = _mm512_add_pd(s1, d);
            s2 = _mm512_add_pd(s2, _mm512_mul_pd(d, d));
        }
        if groups > 1 {
            let j = 8 * (groups - 1);
            let (new, mask) = unsafe { group::<NOISY>(&b, vp.add(j), rp.add(j), xp.wrapping_add(j)) };
            fired[groups - 1] = _cvtmask8_u32(mask) as u8;
            let d = _mm512_maskz_sub_pd(last, new, shift);
            s1 = _mm512_add_pd(s1, d);
            s2 = _mm512_add_pd(s2, _mm512_mul_pd(d, d));
        }
        let (mut l1, mut l2) = ([0.0; 8], [0.0; 8]);
        // SAFETY: 8 doubles each.
        unsafe {
            _mm512_storeu_pd(l1.as_mut_ptr(), s1);
            _mm512_storeu_pd(l2.as_mut_ptr(), s2);
        }
        GroupMoments::from_shifted_sums(neurons as f64, shift_value, pairwise_sum8(l1), pairwise_sum8(l2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    /// Not a test: prints the cost of each AVX-512 kernel alone on one chunk whose state stays
    /// in cache (ns per neuron-step, one thread; `KLEN` sets the chunk's lanes, 1024 by
    /// default). `cargo test --release -p lifsim --lib -- --ignored --nocapture kernel_speed`.
    #[test]
    #[ignore = "a measurement, run by hand"]
    fn kernel_speed() {
        if Isa::best() != Isa::Avx512 {
            return;
        }
        let len: usize = std::env::var("KLEN").map_or(1024, |v| v.parse().expect("KLEN is a number"));
        let streams = ChunkStreams::new(7, Stream::InputNoise, 0, len);
        let mut normals = vec![vec![0.0f32; len]; 4];
        let (mut v, mut release, mut fired) = (vec![-60e-3; len], vec![0u32; len], vec![0u8; len / 8]);
        let blocks = 200_000_000 / (4 * len) as u32;
        for round in 0..3 {
            let started = std::time::Instant::now();
            for block in 0..blocks {
                let [a, b, c, d] = &mut normals[..] else { unreachable!() };
                assert!(fill_normals(Isa::Avx512, &streams, block, [a, b, c, d]));
            }
            let fill = started.elapsed().as_secs_f64() * 1e9 / (4 * blocks as usize * len) as f64;
            let started = std::time::Instant::now();
            let mut spikes = 0;
            let first = round * 4 * blocks as usize;
            for k in first..first + 4 * blocks as usize {
                // Workload W's constants (20 ms, dt 0.1 ms, sigma_v 5 mV, 2 ms refractory).
                let step = StepLanes {
                    decay: 0.995,
                    drive: 0.005 * -35e-3,
                    noise: Some((5e-3 * 0.01f64.sqrt(), &normals[k % 4])),
                    v_th: -50e-3,
                    v_reset: -70e-3,
                    now: k as u32,
                    release_at: k as u32 + 20,
                    neurons: len,
                };
                advance(Isa::Avx512, &step, &mut v, &mut release, &mut fired).expect("fits");
                spikes += fired.iter().map(|b| b.count_ones()).sum::<u32>();
            }
            let step = started.elapsed().as_secs_f64() * 1e9 / (4 * blocks as usize * len) as f64;
            let rate = f64::from(spikes) / (4 * blocks as usize * len) as f64 / 1e-4;
            println!("round {round}: fill_normals {fill:.3} ns, advance {step:.3} ns per neuron-step ({rate:.0} Hz)");
        }
    }
}
