//! The examples' shared command-line options (`examples/common/cli.rs`):
//! the quantizer they name, and the combinations they refuse.

#[allow(dead_code)]
#[path = "../examples/common/cli.rs"]
mod cli;

use cli::{QuantizerName, quantizer};

#[test]
fn quantizer_options_name_the_quantizer_and_refuse_what_does_not_apply() {
    assert_eq!(quantizer(QuantizerName::EqualWidth, Some(4), None).unwrap().bins(), 4);
    assert_eq!(
        quantizer(QuantizerName::Binary, None, Some(0.5)).unwrap().threshold(),
        Some(0.5)
    );
    assert!(quantizer(QuantizerName::Binary, Some(3), None).is_err());
    assert!(quantizer(QuantizerName::EqualFrequency, None, Some(0.5)).is_err());
    assert_eq!(quantizer(QuantizerName::ZeroEqualWidth, None, None).unwrap().bins(), 10);
    assert!(quantizer(QuantizerName::EqualWidth, Some(0), None).is_err());
}
