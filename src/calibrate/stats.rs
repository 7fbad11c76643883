//! The statistics a calibration target or a validation pattern is measured with, computed from one baseline
//! run (no events) of one replicate. Each is a function of (scenario, replicate) alone.

use crate::dynamics::outreach::unwell_service_user;
use crate::experiment::window_mean;
use crate::metric_names::METRICS;
use crate::scenario::Scenario;
use crate::sim::RunResult;
use crate::types::{MentalState, Role, VenueKind};
use crate::world::{AgentObserver, Episode, World};

/// What a target measures.
#[derive(Clone, Debug, PartialEq)]
pub enum Statistic {
    /// Mean of a metric of a group over the analysis window.
    Level { group: String, metric: String },
    /// Change of a metric of a group over the run after the burn-in: its mean over the last 13 weeks minus
    /// its mean over the first 13 weeks after the burn-in. Near zero when the town is in a steady state.
    Drift { group: String, metric: String },
    /// Share of residents' episodes of struggling or crisis (starting after the burn-in) that have remitted
    /// to `well` by `weeks` after their start: one minus the Kaplan–Meier survival, so episodes still open at
    /// the end of the run count as censored, not as failures.
    Recovered { weeks: f64 },
    /// Share of an income quartile (0 = lowest) whose weekly leisure money is less than one visit a week to
    /// the cheapest paid venue of its district ("cannot afford a regular leisure activity").
    CannotAfford { quartile: u8 },
    /// Odds ratio of a new episode within 52 weeks after the burn-in, for residents who are well at the end
    /// of the burn-in with low support (`support_recent < low_support`) against those with enough support
    /// (a virtual cohort study in the manner of Teo et al. 2013).
    OnsetOddsRatioLowSupport,
    /// A virtual trial of peer support in the manner of the CORE trial (Johnson et al. 2018): the cohort is
    /// the service users who are unwell (struggling or in crisis) at the end of the burn-in; the trial arm
    /// adds peer workers from that day, enough for their outreach to reach each of them about once a week
    /// (the CORE dose), the control arm does not, on the same random numbers. This is the share of the cohort
    /// with a new crisis within 52 weeks in the trial arm over that in the control arm (a risk ratio).
    PeerTrialCrisisRatio,
    /// The same trial: the cohort's hope 52 weeks on, trial minus control over the pooled standard
    /// deviation (a standardised mean difference, as in meta-analyses of personal recovery).
    PeerTrialHopeSmd,
}

/// Outreach contacts a week each unwell service user gets, on average, in the virtual trial's arm.
pub const TRIAL_CONTACTS_PER_WEEK: f64 = 1.0;

impl Statistic {
    /// Whether the statistic needs the second arm of the virtual peer-support trial.
    pub fn needs_trial(&self) -> bool {
        matches!(self, Statistic::PeerTrialCrisisRatio | Statistic::PeerTrialHopeSmd)
    }
}

impl Statistic {
    /// Short description for tables.
    pub fn describe(&self) -> String {
        match self {
            Statistic::Level { group, metric } => format!("{metric} of {group}, window mean"),
            Statistic::Drift { group, metric } => format!("{metric} of {group}, change after the burn-in"),
            Statistic::Recovered { weeks } => format!("residents' episodes remitted by week {weeks} (Kaplan–Meier)"),
            Statistic::CannotAfford { quartile } => {
                format!("income quartile {} who cannot afford a weekly paid activity", quartile + 1)
            }
            Statistic::OnsetOddsRatioLowSupport => "odds ratio of onset within a year, low vs enough support".into(),
            Statistic::PeerTrialCrisisRatio => "peer-support trial: risk ratio of a new crisis within a year".into(),
            Statistic::PeerTrialHopeSmd => "peer-support trial: standardised mean difference of hope at a year".into(),
        }
    }
}

/// Everything one run yields for the statistics: its metrics and what the observer collected.
pub struct RunStats {
    pub result: RunResult,
    pub observed: StatsObserver,
    /// The virtual peer-support trial's (control, trial) arms, when a statistic needs it.
    pub trial: Option<[TrialArm; 2]>,
}

/// What one arm of the virtual peer-support trial records about its cohort.
#[derive(Clone, Debug, Default)]
pub struct TrialArm {
    start: u32,
    cohort: Vec<u32>,
    crisis: Vec<bool>,
    hope: Vec<f32>,
}

impl TrialArm {
    fn new(world: &World, start: u32) -> Self {
        let cohort: Vec<u32> = (world.agents.iter().zip(&world.states).enumerate())
            .filter(|(_, (a, s))| unwell_service_user(a, s))
            .map(|(i, _)| i as u32)
            .collect();
        TrialArm { start, crisis: vec![false; cohort.len()], cohort, hope: Vec::new() }
    }

    fn crisis_share(&self) -> f64 {
        self.crisis.iter().filter(|c| **c).count() as f64 / self.cohort.len().max(1) as f64
    }
}

impl AgentObserver for TrialArm {
    fn on_record(&mut self, day: u32, world: &World) {
        if day > self.start && day <= self.start + 364 {
            for (k, &a) in self.cohort.iter().enumerate() {
                self.crisis[k] |= world.period[a as usize].new_crises > 0;
            }
        }
        if day >= self.start + 364 && self.hope.is_empty() {
            self.hope = self.cohort.iter().map(|&a| world.states[a as usize].hope).collect();
        }
    }

    fn on_episode(&mut self, _: &World, _: Episode) {}

    fn on_finish(&mut self, _: &World) {}
}

/// Forwards to two observers.
struct Both<'x>(&'x mut StatsObserver, &'x mut TrialArm);

impl AgentObserver for Both<'_> {
    fn on_record(&mut self, day: u32, world: &World) {
        self.0.on_record(day, world);
        self.1.on_record(day, world);
    }
    fn on_episode(&mut self, world: &World, ep: Episode) {
        self.0.on_episode(world, ep);
    }
    fn on_finish(&mut self, world: &World) {
        self.0.on_finish(world);
    }
}

/// The trial arm's scenario: the baseline with peer workers added at `day` to each district's main meeting
/// place (the service-user venue open most days), as many as it takes for their outreach to reach each
/// unwell service user of the district about [`TRIAL_CONTACTS_PER_WEEK`] times a week — the dose of the CORE
/// trial (up to 10 sessions over about 4 months, close to one a week early on).
fn with_peer_workers(baseline: &Scenario, world: &World, day: u32) -> Scenario {
    let mut s = baseline.clone();
    let p = &baseline.params;
    for d in 0..baseline.districts.len() {
        let unwell = (world.agents.iter().zip(&world.states))
            .filter(|(a, st)| a.district as usize == d && unwell_service_user(a, st))
            .count();
        let venue = (s.venues.iter().enumerate())
            .filter(|(_, v)| {
                v.district == d && matches!(v.kind, VenueKind::MeetingPlace | VenueKind::PeerCafe | VenueKind::Service)
            })
            .max_by_key(|(v, venue)| {
                (
                    world.venues[*v].open_days.iter().filter(|o| **o).count(),
                    venue.kind == VenueKind::MeetingPlace,
                    std::cmp::Reverse(*v),
                )
            });
        let Some((v, _)) = venue else { continue };
        let open_days = world.venues[v].open_days.iter().filter(|o| **o).count() as f64;
        let per_worker_week = open_days * p.peer_outreach_per_day;
        if per_worker_week <= 0.0 || unwell == 0 {
            continue;
        }
        let count = (unwell as f64 * TRIAL_CONTACTS_PER_WEEK / per_worker_week).ceil() as u32;
        s.events.push(crate::scenario::Event {
            day,
            action: crate::scenario::Action::AddStaff { venue: v, role: crate::scenario::StaffRole::PeerWorker, count },
            note: Some("virtual peer-support trial".into()),
        });
    }
    s
}

/// Collects residents' episodes, the cohort at the end of the burn-in and the affordability shares.
#[derive(Default)]
pub struct StatsObserver {
    burn_in: u32,
    /// (start day, duration in days, remitted) of residents' episodes starting at or after the burn-in.
    episodes: Vec<(u32, u32, bool)>,
    /// Per agent: 0 not in the cohort, 1 well with enough support, 2 well with low support at the burn-in.
    cohort: Vec<u8>,
    /// Per agent in the cohort: an onset within 364 days of the burn-in.
    onset: Vec<bool>,
    /// Per income quartile: (agents, agents who cannot afford a weekly paid activity).
    afford: [(u32, u32); 4],
}

impl StatsObserver {
    pub fn new(scenario: &Scenario) -> Self {
        StatsObserver { burn_in: scenario.run.burn_in_days, ..Default::default() }
    }

    fn snapshot(&mut self, world: &World) {
        let p = &world.scenario.params;
        self.cohort = world
            .agents
            .iter()
            .zip(&world.states)
            .map(|(a, s)| match (a.role, s.mental) {
                (Role::Resident, MentalState::Well) if s.support_recent < p.low_support as f32 => 2,
                (Role::Resident, MentalState::Well) => 1,
                _ => 0,
            })
            .collect();
        self.onset = vec![false; world.agents.len()];
        let scenario = world.scenario;
        let cheapest: Vec<f64> = (0..scenario.districts.len())
            .map(|d| {
                scenario
                    .venues
                    .iter()
                    .zip(&world.venues)
                    .filter(|(v, state)| v.district == d && v.kind == VenueKind::Commercial && state.cost_nok > 0.0)
                    .map(|(_, state)| state.cost_nok)
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        self.afford = [(0, 0); 4];
        for a in &world.agents {
            let q = &mut self.afford[a.income_quartile as usize];
            q.0 += 1;
            if (a.leisure_weekly_nok as f64) < cheapest[a.district as usize] {
                q.1 += 1;
            }
        }
    }

    /// One minus the Kaplan–Meier survival at `days`.
    pub fn recovered_by(&self, days: f64) -> f64 {
        let mut durations: Vec<(u32, bool)> = self.episodes.iter().map(|&(_, d, r)| (d, r)).collect();
        durations.sort_unstable();
        let mut at_risk = durations.len() as f64;
        let mut survival = 1.0;
        let mut i = 0;
        while i < durations.len() && (durations[i].0 as f64) <= days {
            let t = durations[i].0;
            let (mut events, mut leaving) = (0.0, 0.0);
            while i < durations.len() && durations[i].0 == t {
                events += durations[i].1 as u8 as f64;
                leaving += 1.0;
                i += 1;
            }
            if at_risk > 0.0 {
                survival *= 1.0 - events / at_risk;
            }
            at_risk -= leaving;
        }
        1.0 - survival
    }

    fn odds_ratio(&self) -> f64 {
        let mut n = [[0.0f64; 2]; 3];
        for (c, o) in self.cohort.iter().zip(&self.onset) {
            n[*c as usize][*o as usize] += 1.0;
        }
        // Haldane's correction keeps the ratio finite in small cohorts.
        let odds = |c: usize| (n[c][1] + 0.5) / (n[c][0] + 0.5);
        odds(2) / odds(1)
    }
}

impl AgentObserver for StatsObserver {
    fn on_record(&mut self, day: u32, world: &World) {
        if self.cohort.is_empty() && day >= self.burn_in {
            self.snapshot(world);
        }
    }

    fn on_episode(&mut self, world: &World, ep: Episode) {
        let a = ep.agent as usize;
        if world.agents[a].role == Role::Resident && ep.start_day >= self.burn_in && ep.start_day > 0 {
            let end = ep.end_day.unwrap_or(world.scenario.run.days);
            self.episodes.push((ep.start_day, end - ep.start_day, ep.end_day.is_some()));
        }
        if !self.onset.is_empty() && ep.start_day > self.burn_in && ep.start_day <= self.burn_in + 364 {
            self.onset[a] = true;
        }
    }

    fn on_finish(&mut self, world: &World) {
        if self.cohort.is_empty() {
            self.snapshot(world);
        }
    }
}

/// Runs the scenario's baseline (its events removed) for one replicate and collects the statistics. A set
/// `cancel` stops the run at the next day boundary (the statistics are then incomplete).
/// With `trial`, also runs the virtual peer-support trial: a second arm forked at the end of the burn-in.
pub fn measure(scenario: &Scenario, replicate: u32, cancel: crate::cancel::Cancel, trial: bool) -> RunStats {
    let baseline = scenario.without_events();
    let mut observed = StatsObserver::new(&baseline);
    let mut runner = crate::sim::Runner::new(&baseline, replicate).with_cancel(cancel);
    if !trial {
        let result = runner.finish(Some(&mut observed));
        return RunStats { result, observed, trial: None };
    }
    let start = baseline.run.burn_in_days;
    runner.advance_to(start, Some(&mut observed));
    let treated = with_peer_workers(&baseline, runner.world(), start);
    let mut control = TrialArm::new(runner.world(), start);
    let mut arm = control.clone();
    let other = runner.fork(&treated);
    let result = runner.finish(Some(&mut Both(&mut observed, &mut control)));
    other.finish(Some(&mut arm));
    RunStats { result, observed, trial: Some([control, arm]) }
}

/// The value of a statistic in one run; NaN when it is undefined there (an empty group).
pub fn value(stat: &Statistic, scenario: &Scenario, run: &RunStats) -> f64 {
    let index = |group: &str, metric: &str| {
        let groups = scenario.groups();
        let g = groups.iter().position(|x| x.name == group);
        let m = METRICS.iter().position(|x| *x == metric);
        g.zip(m)
    };
    match stat {
        Statistic::Level { group, metric } => match index(group, metric) {
            Some((g, m)) => window_mean(&run.result, scenario, g, m),
            None => f64::NAN,
        },
        Statistic::Drift { group, metric } => match index(group, metric) {
            Some((g, m)) => {
                let b = scenario.run.burn_in_days;
                let end = scenario.run.days;
                let mean_in = |from: u32, to: u32| {
                    let v: Vec<f64> = (run.result.record_days.iter().enumerate())
                        .filter(|(_, &d)| d > from && d <= to)
                        .map(|(r, _)| run.result.value(r, g, m))
                        .filter(|x| x.is_finite())
                        .collect();
                    v.iter().sum::<f64>() / v.len() as f64
                };
                mean_in(end.saturating_sub(91), end) - mean_in(b, b + 91)
            }
            None => f64::NAN,
        },
        Statistic::Recovered { weeks } => run.observed.recovered_by(weeks * 7.0),
        Statistic::CannotAfford { quartile } => {
            let (n, k) = run.observed.afford[*quartile as usize];
            if n == 0 {
                f64::NAN
            } else {
                k as f64 / n as f64
            }
        }
        Statistic::OnsetOddsRatioLowSupport => run.observed.odds_ratio(),
        Statistic::PeerTrialCrisisRatio => match &run.trial {
            Some([c, t]) if c.crisis_share() > 0.0 => t.crisis_share() / c.crisis_share(),
            _ => f64::NAN,
        },
        Statistic::PeerTrialHopeSmd => match &run.trial {
            Some([c, t]) if c.hope.len() > 1 && c.hope.len() == t.hope.len() => {
                let stats = |v: &[f32]| {
                    let n = v.len() as f64;
                    let m = v.iter().map(|x| *x as f64).sum::<f64>() / n;
                    let var = v.iter().map(|x| (*x as f64 - m).powi(2)).sum::<f64>() / (n - 1.0);
                    (m, var)
                };
                let ((mc, vc), (mt, vt)) = (stats(&c.hope), stats(&t.hope));
                let sd = ((vc + vt) / 2.0).sqrt();
                if sd > 0.0 {
                    (mt - mc) / sd
                } else {
                    f64::NAN
                }
            }
            _ => f64::NAN,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kaplan_meier_counts_censored_episodes_as_at_risk_only() {
        // Durations 1, 2 (censored), 3, 4 (censored), 5: S(1) = 4/5, S(3) = 4/5 · 2/3, S(5) = 0.
        let obs = StatsObserver {
            episodes: vec![(0, 1, true), (0, 2, false), (0, 3, true), (0, 4, false), (0, 5, true)],
            ..Default::default()
        };
        assert_eq!(obs.recovered_by(0.0), 0.0);
        assert!((obs.recovered_by(1.0) - 0.2).abs() < 1e-12);
        assert!((obs.recovered_by(2.5) - 0.2).abs() < 1e-12);
        assert!((obs.recovered_by(3.0) - (1.0 - 0.8 * 2.0 / 3.0)).abs() < 1e-12);
        assert!((obs.recovered_by(10.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn odds_ratio_of_a_known_table() {
        // Low support: 30 of 100 with onset; enough support: 20 of 200.
        let mut cohort = vec![2u8; 100];
        cohort.extend(vec![1u8; 200]);
        let mut onset = vec![false; 300];
        onset[..30].iter_mut().for_each(|o| *o = true);
        onset[100..120].iter_mut().for_each(|o| *o = true);
        let obs = StatsObserver { cohort, onset, ..Default::default() };
        let expected = (30.5 / 70.5) / (20.5 / 180.5);
        assert!((obs.odds_ratio() - expected).abs() < 1e-12);
    }
}
