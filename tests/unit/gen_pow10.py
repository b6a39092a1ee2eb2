#!/usr/bin/env python3
"""Print the power-of-ten table of vo/votable_write.c (fmt_exact).

Entry k - POW10_KMIN holds {hi, lo, b}: 10^k = (hi*2^64 + lo + f) * 2^b with
2^127 <= hi*2^64 + lo < 2^128 and 0 <= f < 1, i.e. the 128-bit significand
truncated (never rounded up), computed with exact integers.
Run: python3 tests/unit/gen_pow10.py, and replace the POW10_KMIN .. pow10_tab
block of vo/votable_write.c with its output (unchanged unless the range is)."""
KMIN, KMAX = -292, 344
print("#define POW10_KMIN (%d)" % KMIN)
print("#define POW10_KMAX %d" % KMAX)
print("static const struct { uint64_t hi, lo; int b; } pow10_tab[] = {")
for k in range(KMIN, KMAX + 1):
    if k >= 0:
        n = 10 ** k
        b = n.bit_length() - 128
        p = n >> b if b >= 0 else n << -b
    else:
        d = 10 ** -k
        s = 127 + d.bit_length()
        p = (1 << s) // d
        b = -s
    assert (1 << 127) <= p < (1 << 128)
    print("\t{0x%016xull, 0x%016xull, %d}," % (p >> 64, p & ((1 << 64) - 1), b))
print("};")
