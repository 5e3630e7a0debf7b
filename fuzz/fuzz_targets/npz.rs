#![no_main]
//! Fuzzes the contract of `infoablate_fuzz::contracts::npz`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| infoablate_fuzz::contracts::npz(data));
