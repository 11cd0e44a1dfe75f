//! RFC 6381 codec strings (`avc1.64001F`, `hvc1.1.6.L93.B0`, `av01.0.08M.08`,
//! `mp4a.40.2`) read from a stream's decoder configuration record, for the
//! manifests' CODECS and codecs attributes: players pick the renditions they
//! can decode by them. Pure.

/// The codec string of an H.264 stream from its `avcC` record (or Annex B
/// parameter sets): profile, constraint flags and level of its SPS.
pub fn avc1(extradata: &[u8]) -> Option<String> {
    let bytes = match extradata {
        [1, profile, compat, level, ..] => [*profile, *compat, *level],
        _ => annex_b_sps(extradata)?,
    };
    Some(format!(
        "avc1.{:02X}{:02X}{:02X}",
        bytes[0], bytes[1], bytes[2]
    ))
}

/// Profile, constraint flags and level of the first SPS in Annex B data.
fn annex_b_sps(data: &[u8]) -> Option<[u8; 3]> {
    let mut i = 0;
    while i + 3 < data.len() {
        if data[i..i + 3] == [0, 0, 1] && data[i + 3] & 0x1f == 7 {
            let sps = data.get(i + 4..i + 7)?;
            return Some([sps[0], sps[1], sps[2]]);
        }
        i += 1;
    }
    None
}

/// The codec string of an HEVC stream (`hvc1`, the tag the rungs carry)
/// from its `hvcC` record.
pub fn hvc1(extradata: &[u8]) -> Option<String> {
    let record = extradata.get(..13)?;
    if record[0] != 1 {
        return None;
    }
    let space = ["", "A", "B", "C"][usize::from(record[1] >> 6)];
    let tier = if record[1] & 0x20 != 0 { 'H' } else { 'L' };
    let profile = record[1] & 0x1f;
    let compat = u32::from_be_bytes([record[2], record[3], record[4], record[5]]).reverse_bits();
    let level = record[12];
    let mut constraints: Vec<u8> = record[6..12].to_vec();
    while constraints.last() == Some(&0) {
        constraints.pop();
    }
    let mut text = format!("hvc1.{space}{profile}.{compat:X}.{tier}{level}");
    for byte in constraints {
        text.push_str(&format!(".{byte:X}"));
    }
    Some(text)
}

/// The codec string of an AV1 stream from its `av1C` record.
pub fn av01(extradata: &[u8]) -> Option<String> {
    let record = extradata.get(..3)?;
    if record[0] & 0x7f != 1 {
        return None;
    }
    let profile = record[1] >> 5;
    let level = record[1] & 0x1f;
    let tier = if record[2] & 0x80 != 0 { 'H' } else { 'M' };
    let depth = match (record[2] & 0x40 != 0, record[2] & 0x20 != 0) {
        (true, true) => 12,
        (true, false) => 10,
        _ => 8,
    };
    Some(format!("av01.{profile}.{level:02}{tier}.{depth:02}"))
}

/// AAC-LC, what FFmpeg's AAC encoder writes.
pub const AAC_LC: &str = "mp4a.40.2";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avc1_reads_profile_constraints_and_level() {
        assert_eq!(
            avc1(&[1, 0x64, 0x00, 0x28, 0xff, 0xe1]).as_deref(),
            Some("avc1.640028")
        );
        let annex_b = [0, 0, 0, 1, 0x67, 0x4d, 0x40, 0x1f, 0xaa, 0, 0, 1, 0x68];
        assert_eq!(avc1(&annex_b).as_deref(), Some("avc1.4D401F"));
        assert_eq!(avc1(&[0, 0, 1, 0x68, 1, 2]), None);
    }

    #[test]
    fn hvc1_follows_the_iso_14496_15_layout() {
        // Main profile, compatible with Main (bit 1) and Main 10 (bit 2),
        // progressive source flag, level 3.1 (93), main tier.
        let record = [1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 93, 0xf0, 0];
        assert_eq!(hvc1(&record).as_deref(), Some("hvc1.1.6.L93.90"));
        assert_eq!(hvc1(&[1, 2, 3]), None);
    }

    #[test]
    fn av01_reads_profile_level_tier_and_depth() {
        assert_eq!(
            av01(&[0x81, 0x08, 0x0c, 0]).as_deref(),
            Some("av01.0.08M.08")
        );
        assert_eq!(
            av01(&[0x81, 0x0d, 0x4c, 0]).as_deref(),
            Some("av01.0.13M.10")
        );
        assert_eq!(av01(&[0x00, 0x08]), None);
    }
}
