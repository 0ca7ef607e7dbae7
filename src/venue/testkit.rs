//! Test helpers shared by the venue adapters' tests (payload mutation, paging through the demo).
