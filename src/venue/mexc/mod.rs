//! MEXC contract + spot adapter (stub: answers with no hosts until written).

mod parse;
mod wire;

use chrono::{DateTime, Utc};

use super::{Body, BodySignal, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::{Reference, Snapshot, Venue};

/// The Mexc adapter.
#[derive(Debug, Clone, Copy)]
pub struct Mexc;

impl VenueAdapter for Mexc {
    fn venue(&self) -> Venue {
        Venue::Mexc
    }
    fn hosts(&self) -> &'static [HostSpec] {
        &[]
    }
    fn reference_requests(&self) -> Vec<Request> {
        Vec::new()
    }
    fn parse_reference(&self, _bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        Ok(Reference::default())
    }
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        Vec::new()
    }
    fn parse_snapshot(
        &self,
        _bodies: &[Body<'_>],
        _reference: &Reference,
        received_at: DateTime<Utc>,
    ) -> Result<Snapshot, ParseError> {
        Ok(Snapshot {
            venue: Venue::Mexc,
            received_at,
            perps: vec![],
            spots: vec![],
        })
    }
    fn check_body(&self, _status: u16, _body: &[u8]) -> BodySignal {
        BodySignal::Ok
    }
}
