//! Noise sources: per-step random numbers for a chunk of neurons, drawn from the keyed streams.
//!
//! A [`NoiseSource`] gives each neuron's noise increment for one step, fused into the generic
//! step ([`NoiseSource::each`]) or added on its own ([`NoiseSource::add`], for the Brownian
//! bridge). [`BlockBuffer`] holds a chunk's Philox blocks (four samples each, refilled every
//! fourth step) and a [`Transform`] turns their words into uniform or normal numbers. To add a
//! noise kind: a source here, its constants in [`crate::model::integrate`], and its case in
//! `engine::run_on`.

use super::simd::{self, Isa};
use crate::model::{PoissonInput, StepConstants};
use crate::rng::{self, ChunkStreams, Stream};

/// A noise source's numbers as the AVX-512 step takes them.
pub(super) enum KernelNoise<'a> {
    /// No noise.
    Silent,
    /// Noise `scale * xi` with these single-precision standard normals, one per lane.
    Normals {
        /// The noise's scale on V (V).
        scale: f64,
        /// The step's normals.
        xi: &'a [f32],
    },
}

/// A neuron's input for one step as `[factor, value, jump]`: the noise increment
/// `factor * value`, which the step adds with one fused multiply-add, and a synaptic `jump`
/// added after it (only by sources with [`NoiseSource::JUMPS`]; 0 otherwise).
pub(super) type NoiseTerm = [f64; 3];

/// V, clamp release step and spike flags of a chunk's neurons, for [`NoiseSource::each`].
pub(super) type Lanes<'a> = (&'a mut [f64], &'a mut [f64], &'a mut [f64]);

/// A source of per-step noise for one chunk.
pub(super) trait NoiseSource: Send {
    /// True for the source that adds nothing (so that the fused step skips the `+ 0.0`).
    const SILENT: bool = false;

    /// True for a source whose terms carry synaptic jumps (a network's); the step adds the
    /// jump only then, so that an ensemble's step is exactly what it always was.
    const JUMPS: bool = false;

    /// Adds the noise of `sample` (the update to step `sample + 1`) to each neuron's V, as
    /// `v = factor.mul_add(value, v)` (one rounding).
    fn add(&mut self, sample: u64, v: &mut [f64]);

    /// The fused step: with `lanes = (v, release, fired)`, calls for each neuron `j` in order
    /// `update(&mut v[j], &mut release[j], &mut fired[j], noise_j)`, `noise_j` being the
    /// `[factor, value]` that [`NoiseSource::add`] would add to `v[j]` for `sample`, and
    /// advances the source's own state in the same loop: one pass over the chunk instead of one
    /// per stage.
    fn each(&mut self, sample: u64, lanes: Lanes<'_>, update: impl FnMut(&mut f64, &mut f64, &mut f64, NoiseTerm));

    /// Whether [`NoiseSource::kernel_noise`] can return `Some`.
    const PLAIN: bool = false;

    /// The noise of `sample` as the AVX-512 step ([`simd::advance`]) takes it; `None` when
    /// this source needs the generic step.
    fn kernel_noise(&mut self, _sample: u64) -> Option<KernelNoise<'_>> {
        None
    }
}

/// No noise.
pub(super) struct Silent;

impl NoiseSource for Silent {
    const SILENT: bool = true;
    const PLAIN: bool = true;

    #[inline(always)]
    fn add(&mut self, _sample: u64, _v: &mut [f64]) {}

    #[inline(always)]
    fn each(
        &mut self,
        _sample: u64,
        (v, release, fired): Lanes<'_>,
        mut update: impl FnMut(&mut f64, &mut f64, &mut f64, NoiseTerm),
    ) {
        for ((v, release), fired) in v.iter_mut().zip(release).zip(fired) {
            update(v, release, fired, [0.0, 0.0, 0.0]);
        }
    }

    #[inline(always)]
    fn kernel_noise(&mut self, _sample: u64) -> Option<KernelNoise<'_>> {
        Some(KernelNoise::Silent)
    }
}

/// Philox blocks of four samples for every neuron of a chunk, refilled every fourth sample.
pub(super) struct BlockBuffer<T: Transform> {
    seed: u64,
    first_neuron: u64,
    isa: Isa,
    /// For normals: the input-noise streams with rounds 0-1 done.
    streams: Option<ChunkStreams>,
    loaded: Option<u32>,
    /// Sample `4 block + w` of neuron `first_neuron + j` is `lanes[w][j]`.
    lanes: [Vec<T::Sample>; 4],
}

impl<T: Transform> BlockBuffer<T> {
    pub(super) fn new(seed: u64, first_neuron: u64, len: usize, isa: Isa) -> Self {
        Self {
            seed,
            first_neuron,
            isa,
            streams: T::NORMALS.then(|| ChunkStreams::new(seed, Stream::InputNoise, first_neuron, len)),
            loaded: None,
            lanes: std::array::from_fn(|_| vec![T::Sample::default(); len]),
        }
    }

    /// The chunk's numbers for `sample`, transformed from Philox words by `T`.
    ///
    /// The refill is one loop over the chunk's neurons with straight-line Philox rounds and a
    /// branch-free transform, so it vectorizes across neurons; normals of the input noise go
    /// through [`ChunkStreams::fill_normals`], or the AVX-512 kernel where the CPU has it
    /// ([`simd::fill_normals`]).
    #[inline(always)]
    pub(super) fn lane(&mut self, sample: u64, stream: Stream) -> &[T::Sample] {
        let block = (sample / 4) as u32;
        if self.loaded != Some(block) {
            let [l0, l1, l2, l3] = &mut self.lanes;
            let len = l0.len();
            // Plain slices, so that the compiler sees the stores cannot move the vectors.
            let (l0, l1, l2, l3) = (&mut l0[..], &mut l1[..len], &mut l2[..len], &mut l3[..len]);
            let done = match &self.streams {
                Some(streams) if stream == streams.stream() => T::fill_fast(self.isa, streams, block, [l0, l1, l2, l3]),
                _ => false,
            };
            if !done {
                let (seed, first) = (self.seed, self.first_neuron);
                for j in 0..len {
                    let [a, b, c, d] = T::apply(rng::block(seed, stream, first + j as u64, block));
                    (l0[j], l1[j], l2[j], l3[j]) = (a, b, c, d);
                }
            }
            self.loaded = Some(block);
        }
        &self.lanes[(sample % 4) as usize]
    }
}

/// How the four words of a Philox block become four numbers. A trait with an
/// `#[inline(always)]` method rather than a closure, so that it is compiled into the
/// vectorized refill loop of each SIMD copy of the kernel.
pub(super) trait Transform {
    /// The number type stored per sample (f32 for normals, f64 for uniforms).
    type Sample: Copy + Default + Into<f64> + Send;
    /// True for [`Normals`], which has an AVX-512 refill.
    const NORMALS: bool = false;
    fn apply(words: [u32; 4]) -> [Self::Sample; 4];
    /// Refills from precomputed streams; false where this transform has no such refill.
    fn fill_fast(_isa: Isa, _streams: &ChunkStreams, _block: u32, _out: [&mut [Self::Sample]; 4]) -> bool {
        false
    }
    /// The samples as f32 standard normals, for the AVX-512 step; `None` for other transforms.
    fn as_normals(_samples: &[Self::Sample]) -> Option<&[f32]> {
        None
    }
}

/// Standard normals ([`rng::normals`]), single precision.
pub(super) struct Normals;

impl Transform for Normals {
    type Sample = f32;
    const NORMALS: bool = true;

    #[inline(always)]
    fn apply(words: [u32; 4]) -> [f32; 4] {
        rng::normals(words)
    }

    #[inline(always)]
    fn fill_fast(isa: Isa, streams: &ChunkStreams, block: u32, [o0, o1, o2, o3]: [&mut [f32]; 4]) -> bool {
        if !simd::fill_normals(isa, streams, block, [&mut *o0, &mut *o1, &mut *o2, &mut *o3]) {
            streams.fill_normals(block, [o0, o1, o2, o3]);
        }
        true
    }

    #[inline(always)]
    fn as_normals(samples: &[f32]) -> Option<&[f32]> {
        Some(samples)
    }
}

/// Uniforms in (-1, 1) ([`rng::uniform_symmetric`]).
pub(super) struct Symmetric;

impl Transform for Symmetric {
    type Sample = f64;

    #[inline(always)]
    fn apply(words: [u32; 4]) -> [f64; 4] {
        words.map(rng::uniform_symmetric)
    }
}

/// Uniforms in (0, 1) ([`rng::uniform_open`]).
pub(super) struct OpenUniform;

impl Transform for OpenUniform {
    type Sample = f64;

    #[inline(always)]
    fn apply(words: [u32; 4]) -> [f64; 4] {
        words.map(rng::uniform_open)
    }
}

/// Noise `scale * xi` with `xi` from the transform `T`: the tutorial's uniform noise
/// `scale * U(-1, 1)` ([`Symmetric`]) and Gaussian white noise `scale * N(0, 1)` ([`Normals`]).
pub(super) struct ScaledNoise<T: Transform> {
    scale: f64,
    blocks: BlockBuffer<T>,
}

impl<T: Transform> ScaledNoise<T> {
    pub(super) fn new(scale: f64, blocks: BlockBuffer<T>) -> Self {
        Self { scale, blocks }
    }

    /// The noise of `sample` as its scale and each neuron's number.
    #[inline(always)]
    pub(super) fn terms(&mut self, sample: u64) -> (f64, &[T::Sample]) {
        (self.scale, self.blocks.lane(sample, Stream::InputNoise))
    }
}

impl<T: Transform> NoiseSource for ScaledNoise<T> {
    const PLAIN: bool = T::NORMALS;

    #[inline(always)]
    fn add(&mut self, sample: u64, v: &mut [f64]) {
        let xi = self.blocks.lane(sample, Stream::InputNoise);
        for (v, &xi) in v.iter_mut().zip(xi) {
            *v = self.scale.mul_add(xi.into(), *v);
        }
    }

    #[inline(always)]
    fn each(
        &mut self,
        sample: u64,
        (v, release, fired): Lanes<'_>,
        mut update: impl FnMut(&mut f64, &mut f64, &mut f64, NoiseTerm),
    ) {
        let scale = self.scale;
        let xi = self.blocks.lane(sample, Stream::InputNoise);
        for (((v, release), fired), &xi) in v.iter_mut().zip(release).zip(fired).zip(xi) {
            update(v, release, fired, [scale, xi.into(), 0.0]);
        }
    }

    #[inline(always)]
    fn kernel_noise(&mut self, sample: u64) -> Option<KernelNoise<'_>> {
        let scale = self.scale;
        T::as_normals(self.blocks.lane(sample, Stream::InputNoise)).map(|xi| KernelNoise::Normals { scale, xi })
    }
}

/// Ornstein-Uhlenbeck noise voltage `x`: V gets `gain x_{k-1}`, then `x` takes its own step.
pub(super) struct OuNoise {
    gain: f64,
    decay: f64,
    scale: f64,
    x: Vec<f64>,
    blocks: BlockBuffer<Normals>,
}

impl OuNoise {
    pub(super) fn new(seed: u64, first: u64, len: usize, c: &StepConstants, isa: Isa) -> Self {
        let x = (0..len as u64)
            .map(|j| c.ou_stationary_sd * rng::normal_sample(seed, Stream::InitialState, first + j, 0))
            .collect();
        let blocks = BlockBuffer::new(seed, first, len, isa);
        Self { gain: c.gain, decay: c.ou_decay, scale: c.ou_scale, x, blocks }
    }
}

impl NoiseSource for OuNoise {
    #[inline(always)]
    fn add(&mut self, sample: u64, v: &mut [f64]) {
        let xi = self.blocks.lane(sample, Stream::InputNoise);
        for ((v, x), &xi) in v.iter_mut().zip(&mut self.x).zip(xi) {
            *v = self.gain.mul_add(*x, *v);
            *x = self.decay * *x + self.scale * f64::from(xi);
        }
    }

    #[inline(always)]
    fn each(
        &mut self,
        sample: u64,
        (v, release, fired): Lanes<'_>,
        mut update: impl FnMut(&mut f64, &mut f64, &mut f64, NoiseTerm),
    ) {
        let (gain, decay, scale) = (self.gain, self.decay, self.scale);
        let xi = self.blocks.lane(sample, Stream::InputNoise);
        for ((((v, release), fired), x), &xi) in v.iter_mut().zip(release).zip(fired).zip(&mut self.x).zip(xi) {
            update(v, release, fired, [gain, *x, 0.0]);
            *x = decay * *x + scale * f64::from(xi);
        }
    }
}

/// Poisson input spikes: per neuron and step, counts of excitatory and inhibitory input spikes
/// inverted by [`rng::PoissonTable`] from consecutive 64-bit words of the neuron's
/// [`Stream::PoissonInput`] stream (word `m` is words `2(m mod 2)`:`2(m mod 2) + 1` of Philox
/// block `m / 2`), one word per rate and sample, excitatory first: with both rates, sample `k`
/// takes words `2k` and `2k + 1` (block `k`, its words 0:1 and 2:3); with the excitatory rate
/// alone, word `k` (block `k / 2`), so every block's 128 bits are used and one block serves
/// two steps. V jumps by `w_i n_i + w_e n_e` (one fused multiply-add), added to the affine
/// step as one term.
pub(crate) struct PoissonNoise {
    weight_e: f64,
    weight_i: f64,
    table_e: rng::PoissonTable,
    /// `None` without inhibitory input.
    table_i: Option<rng::PoissonTable>,
    streams: ChunkStreams,
    /// The Philox words per neuron of block `filled`.
    words: [Vec<u32>; 4],
    /// The block whose words `words` holds, if any.
    filled: Option<u32>,
    /// The step's jump of each neuron (V).
    jumps: Vec<f64>,
}

impl PoissonNoise {
    pub(crate) fn new(seed: u64, first: u64, len: usize, input: &PoissonInput, dt: f64) -> Self {
        Self {
            weight_e: input.weight_e,
            weight_i: input.weight_i,
            table_e: rng::PoissonTable::new(input.rate_e * dt),
            table_i: (input.rate_i > 0.0).then(|| rng::PoissonTable::new(input.rate_i * dt)),
            streams: ChunkStreams::new(seed, Stream::PoissonInput, first, len),
            words: std::array::from_fn(|_| vec![0; len]),
            filled: None,
            jumps: vec![0.0; len],
        }
    }

    /// The jump of every neuron for `sample` (the update to step `sample + 1`): the Philox
    /// words of its block for all lanes (drawn unless the sample before drew them), then one
    /// pass that counts by the tables and forms the jumps.
    #[inline(always)]
    pub(crate) fn jumps(&mut self, sample: u64) -> &[f64] {
        let block = if self.table_i.is_some() { sample as u32 } else { (sample / 2) as u32 };
        let [w0, w1, w2, w3] = &mut self.words;
        if self.filled != Some(block) {
            self.streams.fill_words(block, [&mut w0[..], &mut w1[..], &mut w2[..], &mut w3[..]]);
            self.filled = Some(block);
        }
        // Plain loops, no closure (see `ChunkStreams::fill_normals`).
        let (weight_e, table_e) = (self.weight_e, &self.table_e);
        match &self.table_i {
            Some(table_i) => {
                let weight_i = self.weight_i;
                let words = w0.iter().zip(&*w1).zip(w2.iter().zip(&*w3));
                for (jump, ((&e_hi, &e_lo), (&i_hi, &i_lo))) in self.jumps.iter_mut().zip(words) {
                    let n_e = table_e.count(rng::word64(e_hi, e_lo));
                    let n_i = table_i.count(rng::word64(i_hi, i_lo));
                    *jump = weight_i.mul_add(f64::from(n_i), weight_e * f64::from(n_e));
                }
            }
            None => {
                let (w_hi, w_lo) = if sample.is_multiple_of(2) { (&*w0, &*w1) } else { (&*w2, &*w3) };
                for (jump, (&hi, &lo)) in self.jumps.iter_mut().zip(w_hi.iter().zip(w_lo)) {
                    *jump = weight_e * f64::from(table_e.count(rng::word64(hi, lo)));
                }
            }
        }
        &self.jumps
    }
}

impl NoiseSource for PoissonNoise {
    #[inline(always)]
    fn add(&mut self, sample: u64, v: &mut [f64]) {
        for (v, jump) in v.iter_mut().zip(self.jumps(sample)) {
            *v += jump;
        }
    }

    #[inline(always)]
    fn each(
        &mut self,
        sample: u64,
        (v, release, fired): Lanes<'_>,
        mut update: impl FnMut(&mut f64, &mut f64, &mut f64, NoiseTerm),
    ) {
        for (((v, release), fired), &jump) in v.iter_mut().zip(release).zip(fired).zip(self.jumps(sample)) {
            update(v, release, fired, [1.0, jump, 0.0]);
        }
    }
}
