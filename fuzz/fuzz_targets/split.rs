//! An uncompressed layer cut into pieces walked at once (`layer::split`): the
//! first two bytes choose where the cuts are guessed (in 512-byte blocks), the
//! rest is the layer. The joined pieces must find what one walk finds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let (choice, layer) = data.split_at(2);
    let first = u64::from(choice[0]) * 512;
    let second = first + u64::from(choice[1]) * 512;
    let _ = imgsize::fuzzing::split_agrees(layer, &[first]);
    let _ = imgsize::fuzzing::split_agrees(layer, &[first, second]);
});
