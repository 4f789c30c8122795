//! Random identifiers: prefixed, URL-safe, sortable by creation time.

use rand::RngCore;

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A new id `"{prefix}_{26 chars}"`: 48 bits of milliseconds then 80 random bits, Crockford
/// base32 in lower case, so ids sort by creation time and cannot be guessed.
pub fn new_id(prefix: &str) -> String {
    let mut random = [0u8; 10];
    rand::rng().fill_bytes(&mut random);
    let ms = u128::from(crate::now_ms().max(0).unsigned_abs()) & ((1 << 48) - 1);
    let mut value = ms << 80;
    for (i, b) in random.iter().enumerate() {
        value |= u128::from(*b) << (8 * (9 - i));
    }
    let mut out = String::with_capacity(prefix.len() + 27);
    out.push_str(prefix);
    out.push('_');
    for i in (0..26).rev() {
        let idx = ((value >> (5 * i)) & 31) as usize;
        out.push(ALPHABET[idx] as char);
    }
    out
}

/// A new random (version 4) UUID, lower-case and hyphenated.
pub fn new_uuid() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A new random secret of `bytes` bytes, hex-encoded.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_fixed_length_and_are_unique() {
        let a = new_id("job");
        let b = new_id("job");
        assert!(a.starts_with("job_"));
        assert_eq!(a.len(), 4 + 26);
        assert_ne!(a, b);
        assert!(a[4..].bytes().all(|c| ALPHABET.contains(&c)));
    }

    #[test]
    fn uuids_are_version_4() {
        let u = new_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(u, new_uuid());
    }

    #[test]
    fn ids_sort_by_creation_time() {
        let a = new_id("x");
        std::thread::sleep(std::time::Duration::from_millis(3));
        let b = new_id("x");
        assert!(a < b, "{a} should sort before {b}");
    }
}
