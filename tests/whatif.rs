//! The headline what-if, on the shipped default town with default parameters: closing the north meeting
//! place raises the lonely share of north's service users, with the 95% interval above zero.

use crate::common::*;
use std::path::Path;
use supportsim::scenario::Origin;
use supportsim::Scenario;

#[test]
fn venue_closure_raises_loneliness_of_the_districts_service_users() {
    let s = Scenario::load(Origin::Disk, Path::new("scenarios/venue_closure.toml")).unwrap();
    let embedded = Scenario::load(Origin::Embedded, Path::new("venue_closure.toml")).unwrap();
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        serde_json::to_string(&embedded).unwrap(),
        "the embedded default is the shipped file"
    );
    let exp = run(&s);
    let e = effect(&exp, "district:north/service_users", "lonely_share");
    assert!(e.ci_low > 0.0, "closure effect on lonely share: {e:?}");
    let ties = effect(&exp, "district:north/service_users", "ties_mean");
    assert!(ties.ci_high < 0.0, "closure shrinks service users' networks: {ties:?}");
    let attended = effect(&exp, "district:north/service_users", "attended_share");
    assert!(attended.ci_high < 0.0, "fewer service users get out: {attended:?}");
    // Other districts' service users are barely touched: the effect is local.
    let south = effect(&exp, "district:south/service_users", "lonely_share");
    assert!(south.difference.abs() < e.difference / 2.0, "south {south:?} vs north {e:?}");
}
