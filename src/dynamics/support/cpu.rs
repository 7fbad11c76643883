//! The ways the tie kernel can run on this CPU (AVX-512, AVX2, portable), the choice among them
//! (`SUPPORTSIM_KERNEL`, else the fastest), and the block function compiled once for each way.

use super::{block, Block, Lanes, Pass};

/// How the kernel runs: with AVX-512 (a whole row of sixteen lanes per instruction) or AVX2 (eight lanes) where
/// the CPU has them, else with the instructions every x86-64 (or other) CPU has. All are the same source
/// compiled for each, performing the same IEEE operations, so they give the same bits, and a test checks each
/// one the CPU can run against the tie-at-a-time reference.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Kernel {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

/// The environment variable that picks the way the tie kernel runs (see [`kernel_name`]).
pub const KERNEL_VAR: &str = "SUPPORTSIM_KERNEL";

/// The way the tie kernel runs in this process, by name (`avx512`, `avx2` or `portable`): the one that
/// `SUPPORTSIM_KERNEL` names, or with `auto` or the variable unset the fastest this CPU has. Every way gives
/// the same output, bit for bit; the setting is for speed alone (e.g. `avx2` on a CPU that slows its clock
/// for 512-bit work) and for comparing the ways. Err: a message that names the variable and what is wrong
/// with it (an unknown name, or a way this CPU cannot run), which the command line reports before any work;
/// a program that uses the library without checking gets the fastest way instead. The name is of the way the
/// tie pass uses in this process (chosen once, from the variable as it was first read), so a manifest that
/// records it says what ran.
pub fn kernel_name() -> Result<&'static str, String> {
    Kernel::from_env()?;
    Ok(Kernel::chosen().name())
}

impl Kernel {
    /// The fastest way this CPU can run.
    fn fastest() -> Self {
        Self::available().last().unwrap_or(Kernel::Portable)
    }

    /// The way this process runs, chosen once ([`kernel_name`]).
    pub(super) fn chosen() -> Self {
        static CHOSEN: std::sync::OnceLock<Kernel> = std::sync::OnceLock::new();
        *CHOSEN.get_or_init(|| Self::from_env().unwrap_or_else(|_| Self::fastest()))
    }

    fn from_env() -> Result<Self, String> {
        let value = match std::env::var_os(KERNEL_VAR) {
            None => return Ok(Self::fastest()),
            Some(v) => v.to_string_lossy().trim().to_ascii_lowercase(),
        };
        if value.is_empty() || value == "auto" {
            return Ok(Self::fastest());
        }
        let known = ["portable", "avx2", "avx512"];
        if !known.contains(&value.as_str()) {
            return Err(format!(
                "{KERNEL_VAR}={value:?} is not a way the tie kernel runs: use auto, avx512, avx2 or portable"
            ));
        }
        Self::available().find(|k| k.name() == value).ok_or_else(|| {
            let here: Vec<&str> = Self::available().map(Kernel::name).collect();
            format!(
                "{KERNEL_VAR}={value}: this CPU cannot run it (it can run {}); use auto for the fastest",
                here.join(", ")
            )
        })
    }

    fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => "avx512",
        }
    }

    /// Every way this CPU can run the kernel, slowest first (`Portable` always).
    pub(super) fn available() -> impl Iterator<Item = Kernel> {
        #[cfg(target_arch = "x86_64")]
        let ways = {
            use std::arch::is_x86_feature_detected as has;
            let avx2 = has!("avx2") && has!("popcnt");
            let avx512 =
                avx2 && has!("avx512f") && has!("avx512dq") && has!("avx512vl") && has!("avx512bw") && has!("popcnt");
            [(Kernel::Portable, true), (Kernel::Avx2, avx2), (Kernel::Avx512, avx512)]
        };
        #[cfg(not(target_arch = "x86_64"))]
        let ways = [(Kernel::Portable, true)];
        ways.into_iter().filter_map(|(kernel, runs)| runs.then_some(kernel))
    }

    /// Runs the tie pass on a block of agents; see [`block`]. Turnover is drawn only on the days it can
    /// happen, and the ties' last contacts are kept where the block's network keeps them.
    #[inline]
    pub(super) fn block(self, pass: &Pass, b: &mut Block, lanes: &mut Lanes) -> u64 {
        match (pass.c.turnover_bound > 0, b.ties.keeps_last_contact()) {
            (false, false) => self.block_as::<false, false>(pass, b, lanes),
            (false, true) => self.block_as::<false, true>(pass, b, lanes),
            (true, false) => self.block_as::<true, false>(pass, b, lanes),
            (true, true) => self.block_as::<true, true>(pass, b, lanes),
        }
    }

    #[inline]
    fn block_as<const TURNOVER: bool, const LAST_CONTACT: bool>(
        self,
        pass: &Pass,
        b: &mut Block,
        lanes: &mut Lanes,
    ) -> u64 {
        match self {
            Kernel::Portable => block_portable::<TURNOVER, LAST_CONTACT>(pass, b, lanes),
            // SAFETY: `Kernel::Avx2` is only made by `available` on a CPU that has AVX2 and POPCNT.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe { block_avx2::<TURNOVER, LAST_CONTACT>(pass, b, lanes) },
            // SAFETY: `Kernel::Avx512` is only made by `available` on a CPU that has all the features it enables.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => unsafe { block_avx512::<TURNOVER, LAST_CONTACT>(pass, b, lanes) },
        }
    }
}

/// [`block`] compiled for any CPU (the kernel without vectors, still without branches).
#[inline(never)]
fn block_portable<const TURNOVER: bool, const LAST_CONTACT: bool>(
    pass: &Pass,
    b: &mut Block,
    lanes: &mut Lanes,
) -> u64 {
    block::<TURNOVER, LAST_CONTACT, false, false>(pass, b, lanes)
}

/// [`block`] compiled with AVX2: the kernel runs eight ties per instruction as LLVM vectorises it, and a row's
/// support is summed in vector registers (`row_sum_avx`). With `popcnt` (which every CPU with AVX2 has), the lanes
/// counted are one instruction each.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
fn block_avx2<const TURNOVER: bool, const LAST_CONTACT: bool>(pass: &Pass, b: &mut Block, lanes: &mut Lanes) -> u64 {
    block::<TURNOVER, LAST_CONTACT, false, true>(pass, b, lanes)
}

/// [`block`] compiled with AVX-512: the kernel runs a whole row (sixteen ties, and their draws) per
/// instruction, and the lanes counted (ghosted, gave) are a mask's bits, counted by `popcnt`; a row's support is
/// summed in vector registers as with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f,avx512dq,avx512vl,avx512bw,popcnt")]
fn block_avx512<const TURNOVER: bool, const LAST_CONTACT: bool>(pass: &Pass, b: &mut Block, lanes: &mut Lanes) -> u64 {
    block::<TURNOVER, LAST_CONTACT, true, true>(pass, b, lanes)
}
