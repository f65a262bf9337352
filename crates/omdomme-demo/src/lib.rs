//! The synthetic demo scenario (being written).
