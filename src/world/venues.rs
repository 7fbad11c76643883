//! Venues as they run: open or closed, today's opening days, rituals and active staff as set by the budget
//! (service level) and the staff hired by events (staffing), fees. Budget cuts hit in a fixed, documented order:
//! first rituals (below `ritual_budget_threshold`), then opening days (non-ritual days go first), then staff;
//! a budget of zero closes the venue. Staff hired by events cover days and rituals a cut took away.

use crate::scenario::Venue;
use crate::types::{Ritual, VenueKind};

#[derive(Clone, Debug)]
pub struct VenueState {
    /// Not closed by an event (or, for a venue that starts closed, opened by one).
    pub open: bool,
    pub cost_nok: f64,
    pub budget_nok: f64,
    /// Extra staff hired by events, on top of the configured ones.
    pub extra_staff: u32,
    /// Derived from the budget and the staff hired: which weekdays it opens, whether rituals run.
    pub open_days: [bool; 7],
    pub rituals: [Ritual; 7],
    pub service_level: f64,
}

impl VenueState {
    pub fn new(v: &Venue, ritual_budget_threshold: f64) -> Self {
        let mut s = VenueState {
            open: v.open,
            cost_nok: v.cost_nok,
            budget_nok: v.budget_nok,
            extra_staff: 0,
            open_days: v.open_days,
            rituals: v.rituals,
            service_level: 1.0,
        };
        s.apply_budget(v, ritual_budget_threshold);
        s
    }

    /// Recomputes the service level from the current budget, and the days and rituals its staffing covers
    /// ([`VenueState::staffing`]).
    pub fn apply_budget(&mut self, v: &Venue, ritual_budget_threshold: f64) {
        self.service_level = if v.kind.is_funded() && v.budget_full_nok > 0.0 {
            (self.budget_nok / v.budget_full_nok).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let level = self.staffing(v);
        // A hair below a whole number of days or the threshold, so that a staffing summed in floating point
        // (0.4 + 1/5 is 0.6000000000000001) keeps what its exact value keeps.
        const HAIR: f64 = 1e-9;
        let keep_rituals = level + HAIR >= ritual_budget_threshold;
        // Ritual days are kept longest: they carry the weekly rhythm.
        let mut days: Vec<usize> = (0..7).filter(|&d| v.open_days[d]).collect();
        days.sort_by_key(|&d| (v.rituals[d] == Ritual::None, d));
        let n_keep = (days.len() as f64 * level - HAIR).ceil() as usize;
        self.open_days = [false; 7];
        self.rituals = [Ritual::None; 7];
        for &d in days.iter().take(n_keep) {
            self.open_days[d] = true;
            if keep_rituals {
                self.rituals[d] = v.rituals[d];
            }
        }
    }

    /// The share of its full programme a venue's staff cover: its service level, plus its staff hired by events
    /// as a share of its configured staff (their posts are funded by the events, and they can open days and run
    /// rituals the budget no longer pays for), at most 1. A venue without configured staff has its service level.
    pub fn staffing(&self, v: &Venue) -> f64 {
        let configured = (v.professionals + v.volunteers) as f64;
        if configured > 0.0 {
            (self.service_level + self.extra_staff as f64 / configured).min(1.0)
        } else {
            self.service_level
        }
    }

    /// Whether the venue operates at all (not closed by an event, and funded when it needs funding).
    pub fn operating(&self, kind: VenueKind) -> bool {
        self.open && (!kind.is_funded() || self.service_level > 0.0)
    }

    /// Open on weekday `w` (ignoring lockdowns, which the world tracks).
    pub fn open_on(&self, kind: VenueKind, w: usize) -> bool {
        self.operating(kind) && self.open_days[w]
    }

    /// The ritual on weekday `w` with `volunteers` volunteers on duty: the one the budget keeps (§7.1 of the ODD), or,
    /// when the budget has dropped it while keeping the day open, the venue's own when at least
    /// `ritual_volunteers` volunteers are on duty to host it.
    pub fn ritual_on(&self, v: &Venue, w: usize, volunteers: usize, ritual_volunteers: f64) -> Ritual {
        if self.rituals[w] == Ritual::None && self.open_days[w] && volunteers as f64 >= ritual_volunteers {
            v.rituals[w]
        } else {
            self.rituals[w]
        }
    }

    /// How many of `n_staff` work today: scaled by the service level, at least one while funded at all.
    pub fn active_staff(&self, n_staff: usize) -> usize {
        if n_staff == 0 || self.service_level <= 0.0 {
            0
        } else {
            ((n_staff as f64 * self.service_level).round() as usize).clamp(1, n_staff)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn venue() -> Venue {
        let mut rituals = [Ritual::None; 7];
        rituals[4] = Ritual::Quiz;
        Venue {
            name: "v".into(),
            district: 0,
            kind: VenueKind::MeetingPlace,
            capacity: 10,
            cost_nok: 0.0,
            open_days: [true, true, true, true, true, false, false],
            rituals,
            openness: 0.8,
            professionals: 2,
            volunteers: 2,
            lived_experience_share: 0.5,
            stability: 0.8,
            budget_nok: 100.0,
            budget_full_nok: 100.0,
            open: true,
        }
    }

    #[test]
    fn budget_cuts_rituals_then_days_and_zero_closes() {
        let v = venue();
        let mut s = VenueState::new(&v, 0.6);
        assert_eq!(s.open_days.iter().filter(|d| **d).count(), 5);
        assert_eq!(s.rituals[4], Ritual::Quiz);
        s.budget_nok = 50.0;
        s.apply_budget(&v, 0.6);
        assert_eq!(s.open_days.iter().filter(|d| **d).count(), 3);
        assert!(s.open_days[4], "the ritual day is kept longest");
        assert_eq!(s.rituals[4], Ritual::None, "rituals go below the threshold");
        assert_eq!(s.active_staff(4), 2);
        assert_eq!(s.ritual_on(&v, 4, 2, 3.0), Ritual::None, "too few volunteers to keep it");
        assert_eq!(s.ritual_on(&v, 4, 3, 3.0), Ritual::Quiz, "volunteers keep the quiz running");
        assert_eq!(s.ritual_on(&v, 0, 3, 3.0), Ritual::None, "no ritual on a day without one");
        // Two staff hired by an event cover half the configured four: all five days, and the quiz again.
        s.extra_staff = 2;
        s.apply_budget(&v, 0.6);
        assert_eq!(s.open_days.iter().filter(|d| **d).count(), 5);
        assert_eq!(s.rituals[4], Ritual::Quiz);
        // 0.4 + 1/5 sums to 0.6000000000000001 in floating point: still three days of five, and the quiz.
        let mut five = venue();
        five.volunteers = 3;
        let mut t = VenueState::new(&five, 0.6);
        (t.budget_nok, t.extra_staff) = (40.0, 1);
        t.apply_budget(&five, 0.6);
        assert_eq!(t.open_days.iter().filter(|d| **d).count(), 3);
        assert_eq!(t.rituals[4], Ritual::Quiz);
        s.extra_staff = 0;
        s.budget_nok = 0.0;
        s.apply_budget(&v, 0.6);
        assert!(!s.operating(v.kind));
        assert_eq!(s.active_staff(4), 0);
    }
}

/// A venue over one recording period: whether it operated at the period's end, the visits (staff on duty not
/// counted), the days it was open, and the days it was full (more visitors came than its capacity admits, and
/// those beyond it were turned away).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VenuePeriod {
    pub operating: bool,
    pub visits: u32,
    pub days_open: u32,
    pub days_full: u32,
}
