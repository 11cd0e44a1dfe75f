//! Whether a source is high dynamic range, and which kind: PQ (HDR10) or
//! HLG, possibly as the base layer of a Dolby Vision stream. What phones
//! record by default; renditions and thumbnails must treat it apart from
//! SDR, and the `probed` event and the window say it. Pure data: the probe
//! reads the stream's transfer and Dolby Vision configuration into it.

use ffmpeg_next::color::TransferCharacteristic;
use serde::{Deserialize, Serialize};

/// The transfer curve of an HDR picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HdrTransfer {
    /// SMPTE ST 2084 (HDR10, and HDR10+).
    Pq,
    /// ARIB STD-B67 hybrid log-gamma.
    Hlg,
}

/// A source's high dynamic range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hdr {
    pub transfer: HdrTransfer,
    /// The stream is Dolby Vision and this is its base layer, which every
    /// decoder shows (the Dolby Vision layer itself is left out).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dolby_vision: bool,
}

/// The Dolby Vision configuration record's base-layer compatibility ids
/// (ETSI GS CCM 001 / Dolby's ISOBMFF spec) naming an HDR10 or HLG base.
const DOVI_BASE_HDR10: u8 = 1;
const DOVI_BASE_HLG: u8 = 4;
/// Offset of `dv_bl_signal_compatibility_id` in FFmpeg's
/// `AVDOVIDecoderConfigurationRecord` (eight bytes).
const DOVI_COMPATIBILITY_OFFSET: usize = 7;

impl Hdr {
    /// From the stream's transfer tag and, for a Dolby Vision stream, its
    /// configuration record (FFmpeg's `DOVI_CONF` side data). A Dolby
    /// Vision stream's base layer is HDR when tagged so or when the record
    /// says it is HDR10 or HLG compatible; one without such a base
    /// (profile 5) is not reported, as no decoder shows it right.
    pub fn detect(transfer: TransferCharacteristic, dovi_record: Option<&[u8]>) -> Option<Hdr> {
        let tagged = match transfer {
            TransferCharacteristic::SMPTE2084 => Some(HdrTransfer::Pq),
            TransferCharacteristic::ARIB_STD_B67 => Some(HdrTransfer::Hlg),
            _ => None,
        };
        let Some(record) = dovi_record else {
            return tagged.map(|transfer| Hdr {
                transfer,
                dolby_vision: false,
            });
        };
        let base = match record.get(DOVI_COMPATIBILITY_OFFSET) {
            Some(&DOVI_BASE_HDR10) => Some(HdrTransfer::Pq),
            Some(&DOVI_BASE_HLG) => Some(HdrTransfer::Hlg),
            _ => None,
        };
        // The stream's own tag, when it has one, over the record's.
        base.map(|base| Hdr {
            transfer: tagged.unwrap_or(base),
            dolby_vision: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dovi(profile: u8, compatibility: u8) -> [u8; 8] {
        [1, 0, profile, 6, 1, 0, 1, compatibility]
    }

    #[test]
    fn pq_and_hlg_transfers_are_hdr_and_others_are_not() {
        let pq = Hdr::detect(TransferCharacteristic::SMPTE2084, None);
        assert_eq!(
            pq,
            Some(Hdr {
                transfer: HdrTransfer::Pq,
                dolby_vision: false
            })
        );
        let hlg = Hdr::detect(TransferCharacteristic::ARIB_STD_B67, None);
        assert_eq!(hlg.map(|h| h.transfer), Some(HdrTransfer::Hlg));
        for sdr in [
            TransferCharacteristic::BT709,
            TransferCharacteristic::Unspecified,
            TransferCharacteristic::BT2020_10,
            TransferCharacteristic::SMPTE170M,
        ] {
            assert_eq!(Hdr::detect(sdr, None), None, "{sdr:?}");
        }
    }

    #[test]
    fn dolby_vision_reports_its_hdr10_or_hlg_base_layer() {
        // Profile 8.1 (HDR10 base), even with an untagged stream.
        let p81 = Hdr::detect(TransferCharacteristic::Unspecified, Some(&dovi(8, 1)));
        assert_eq!(
            p81,
            Some(Hdr {
                transfer: HdrTransfer::Pq,
                dolby_vision: true
            })
        );
        // Profile 8.4 (HLG base), as iPhones record.
        let p84 = Hdr::detect(TransferCharacteristic::ARIB_STD_B67, Some(&dovi(8, 4)));
        assert_eq!(p84.map(|h| h.transfer), Some(HdrTransfer::Hlg));
        assert!(p84.is_some_and(|h| h.dolby_vision));
        // Profile 5 has no base layer a decoder shows right.
        assert_eq!(
            Hdr::detect(TransferCharacteristic::SMPTE2084, Some(&dovi(5, 0))),
            None
        );
        // A truncated record says nothing.
        assert_eq!(
            Hdr::detect(TransferCharacteristic::Unspecified, Some(&[1, 0])),
            None
        );
    }

    #[test]
    fn the_json_names_the_transfer_and_only_a_dolby_vision_stream_says_so() {
        let json = |h: Hdr| serde_json::to_string(&h).expect("json");
        assert_eq!(
            json(Hdr {
                transfer: HdrTransfer::Pq,
                dolby_vision: false
            }),
            r#"{"transfer":"pq"}"#
        );
        assert_eq!(
            json(Hdr {
                transfer: HdrTransfer::Hlg,
                dolby_vision: true
            }),
            r#"{"transfer":"hlg","dolby_vision":true}"#
        );
    }
}
