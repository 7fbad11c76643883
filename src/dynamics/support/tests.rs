//! The kernel, each way it can run, held to the tie-at-a-time reference.

#[cfg(target_arch = "x86_64")]
use super::kernel::row_sum_avx;
use super::kernel::{row_sum, LANES};
use super::*;
use crate::types::{MentalState, NO_VENUE};
use crate::world::network::Tie;
use crate::world::view::social_media_on_grid;
use proptest::prelude::*;

fn view(mental: u8, lived: bool, venue: u8, social_media: f32) -> PeerView {
    let mental = [MentalState::Well, MentalState::Struggling, MentalState::Crisis][mental as usize];
    // Venues 0–2 or none, so that ends often meet in person.
    let venue_today = if venue == 3 { NO_VENUE } else { venue as u16 };
    PeerView::new(social_media_on_grid(social_media), venue_today, mental, lived)
}

fn daily_bits(d: &Daily) -> (u32, u32, u32, u16, bool) {
    (d.emotional.to_bits(), d.instrumental.to_bits(), d.informational.to_bits(), d.ghosted, d.gave)
}

/// The inputs of one check of the kernel against the reference: the day, the seed, the agent and its view, its
/// ties (the other end, strength, kind, day formed, the other end's view), its support so far, and parameters.
type Case = (
    u32,
    u64,
    u32,
    (u8, bool, u8, f32),
    Vec<(u32, f32, u8, i32, (u8, bool, u8, f32))>,
    f32,
    f64,
    f32,
    f64,
    (u32, f32, i32),
);

fn case() -> impl Strategy<Value = Case> {
    (
        0u32..2_000,
        any::<u64>(),
        0u32..64,
        (0u8..3, any::<bool>(), 0u8..4, 0.0f32..=1.0),
        prop::collection::vec(
            (0u32..64, 0.0f32..=1.0, 0u8..3, -3_000i32..2_000, (0u8..3, any::<bool>(), 0u8..4, 0.0f32..=1.0)),
            0..40,
        ),
        0.0f32..3.0,
        0.0f64..0.5,
        0.0f32..0.2,
        prop_oneof![Just(0.0), 0.0f64..0.99],
        (0u32..64, 0.0f32..=1.0, -3_000i32..2_000),
    )
}

/// The way `kernel` runs, which this CPU must have: a test of a way the CPU lacks fails rather than passes.
fn needs(kernel: Kernel) -> Kernel {
    assert!(Kernel::available().any(|k| k == kernel), "this CPU cannot run the {kernel:?} kernel");
    kernel
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The portable kernel gives the bits of the tie-at-a-time reference ([`check`]).
    #[test]
    fn kernel_portable_matches_reference(c in case()) {
        check(Kernel::Portable, c)?;
    }

    /// The kernel compiled with AVX2 gives the bits of the reference.
    #[test]
    #[cfg(target_arch = "x86_64")]
    #[ignore = "needs a CPU with AVX2; .ci/run runs it where the CPU has it (cargo test -- --ignored kernel_avx2)"]
    fn kernel_avx2_matches_reference(c in case()) {
        check(needs(Kernel::Avx2), c)?;
    }

    /// The kernel compiled with AVX-512 gives the bits of the reference.
    #[test]
    #[cfg(target_arch = "x86_64")]
    #[ignore = "needs a CPU with AVX-512; .ci/run runs it where the CPU has it (cargo test -- --ignored kernel_avx512)"]
    fn kernel_avx512_matches_reference(c in case()) {
        check(needs(Kernel::Avx512), c)?;
    }
}

/// The kernel, run the way `kernel` says, gives the bits of the tie-at-a-time reference: every tie's strength
/// and last contact, and the day's support (the reference's, tie by tie, summed a row at a time in the kernel's
/// tree), ghosting and giving; in a network that keeps the last contacts and in one that does not.
fn check(kernel: Kernel, c: Case) -> Result<(), TestCaseError> {
    let (day, seed, a, me, ties, start, lived_bonus, tie_floor, turnover, stale) = c;
    {
        let p = Params {
            layer_lived_experience_informational: lived_bonus,
            tie_turnover_yearly: turnover,
            ..Params::default()
        };
        let ctx = DayContext::new(day, seed, 1);
        let consts = Consts::new(&ctx, &p);
        let newness = newness_table(&p);
        let draws = PairDraws::new(day_prefix(seed, 1, Purpose::TieContact, day));
        let mut peers = vec![view(0, false, 3, 0.0); 64];
        peers[a as usize] = view(me.0, me.1, me.2, me.3);
        let mut slots = Vec::new();
        for &(other, strength, kind, formed, v) in &ties {
            let other = if other == a { (a + 1) % 64 } else { other };
            peers[other as usize] = view(v.0, v.1, v.2, v.3);
            let kind = [TieKind::Kin, TieKind::Friend, TieKind::Venue][kind as usize];
            let formed = formed.min(day as i32);
            slots.push(Tie::new(other, strength, formed, kind));
        }
        let start =
            Daily { emotional: start, instrumental: start * 0.5, informational: start * 0.25, ..Daily::default() };

        let mut want_ties = slots.clone();
        let mut want = start;
        // Support is summed a row at a time, in the kernel's fixed tree (`row_sum`), then added to the day's.
        for row in want_ties.chunks_mut(LANES) {
            let mut layers = [[0.0f32; LANES]; 3];
            for (j, tie) in row.iter_mut().enumerate() {
                let (me_view, other) = (peers[a as usize], peers[tie.other as usize]);
                let mut one = Daily { ghosted: want.ghosted, gave: want.gave, ..Daily::default() };
                reference::update_tie(day, &consts, &newness, draws, a, &me_view, &other, tie, &mut one);
                (want.ghosted, want.gave) = (one.ghosted, one.gave);
                [layers[0][j], layers[1][j], layers[2][j]] = [one.emotional, one.instrumental, one.informational];
            }
            want.emotional += row_sum(layers[0]);
            want.instrumental += row_sum(layers[1]);
            want.informational += row_sum(layers[2]);
        }
        // A tie ends below the floor, or (on Sundays) by turnover, decided as `run` decides it for the
        // ties the kernel marks.
        let want_some_end = want_ties.iter().any(|t| {
            t.strength < tie_floor
                || (consts.turnover_bound > 0
                    && t.kind() != TieKind::Kin
                    && consts.turnover.bits(a, t.other) < consts.turnover_bound)
        });

        for last_contact in [true, false] {
            // The agent's rows as the tie table holds them, in a block of 64 agents of whom the others have
            // no ties: slots past the agent's ties hold a stale tie, which must stay as it was.
            let stale = Tie::new(stale.0, stale.1, stale.2, TieKind::Friend);
            let n_rows = slots.len().div_ceil(LANES).max(1);
            let mut network = Network::new(64, n_rows * LANES);
            if last_contact {
                network.track_last_contact();
            }
            let ties = network.par_blocks_mut(BLOCK).collect::<Vec<BlockMut>>().pop().expect("one block");
            let mut daily = vec![Daily::default(); 64];
            daily[a as usize] = start;
            let mut b = Block { first: 0, ties, daily: &mut daily };
            let (rows, mut last, count) = b.ties.agent(a as usize);
            for i in 0..n_rows * LANES {
                let tie = *slots.get(i).unwrap_or(&stale);
                rows[i / LANES].set(i % LANES, tie);
                if let Some(last) = last.as_deref_mut() {
                    last[i / LANES].0[i % LANES] = tie.last_contact_day;
                }
            }
            *count = slots.len() as u8;
            let mut lanes = Lanes::default();
            // The prefetch changes nothing but speed; both ways run.
            let prefetch_views = a % 2 == 0;
            let (peers, newness) = (&peers, &newness);
            let pass = Pass { c: &consts, newness, peers, draws, day, tie_floor, prefetch_views };
            let ending = kernel.block(&pass, &mut b, &mut lanes);
            let (some_end, got) = (ending == 1 << a, b.daily[a as usize]);
            prop_assert!(ending & !(1 << a) == 0, "only agent {} has ties: {:#x}", a, ending);
            let (rows, last, _) = b.ties.agent(a as usize);
            let after = want_ties.iter().chain(std::iter::repeat(&stale));
            for (i, w) in after.take(n_rows * LANES).enumerate() {
                let g = rows[i / LANES].get(i % LANES);
                prop_assert_eq!(g.strength.to_bits(), w.strength.to_bits(), "{:?}, slot {}", kernel, i);
                let got_last = last.as_deref().map(|l| l[i / LANES].0[i % LANES]);
                let want_last = last_contact.then_some(w.last_contact_day);
                prop_assert_eq!(got_last, want_last, "{:?} ({}), slot {}", kernel, last_contact, i);
            }
            prop_assert_eq!(some_end, want_some_end, "{:?}: ending {:#x}", kernel, ending);
            prop_assert_eq!(daily_bits(&got), daily_bits(&want), "{:?}", kernel);
        }
    }
    Ok(())
}

proptest! {
    /// The row sum in AVX registers makes the plain tree's additions, bit for bit, on any lanes (each of
    /// 0, a tiny, an ordinary or a large support, so that roundings and cancellations occur).
    #[test]
    #[cfg(target_arch = "x86_64")]
    #[ignore = "needs a CPU with AVX2; .ci/run runs it where the CPU has it (cargo test -- --ignored kernel_avx2)"]
    fn kernel_avx2_row_sum_matches_the_tree(
        lanes in prop::array::uniform16(prop_oneof![Just(0.0f32), 0.0f32..1e-6, 0.0f32..2.0, 0.0f32..1e7]),
    ) {
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the CPU has AVX.
            needs(Kernel::Avx2);
            // SAFETY: the CPU has AVX2, and so AVX (checked by `needs`).
            let avx = unsafe { row_sum_avx(&lanes) };
            prop_assert_eq!(avx.to_bits(), row_sum(lanes).to_bits());
        }
    }
}
