/* vo/votable_write.c - the text forms vofs serves: CSV and VOTable 1.4
 * TABLEDATA, written from canonical cells; and the shortest round-trip
 * number formatting the reader uses for every float cell.
 */
#include "votable.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"

/* ------------------------------------------------------------ numbers */

static int put(char *dst, size_t dstlen, const char *s)
{
	size_t n = strlen(s);

	if (n >= dstlen)
		return -ENOSPC;
	memcpy(dst, s, n + 1);
	return (int)n;
}

static int special(char *dst, size_t dstlen, double v)
{
	if (isnan(v))
		return put(dst, dstlen, "NaN");
	return put(dst, dstlen, v > 0 ? "+Inf" : "-Inf");
}

/* Significant digits of a %g string with trailing zeros removed ("120" ->
 * 2, "0.00105" -> 3, "1.5e+20" -> 2); and whether the value is >= 10^k in
 * fixed notation, i.e. whether "%.{k}g" would switch to exponent form. */
static int sig_digits(const char *s, int *fixed_int_digits)
{
	int first = -1, last = -1, i, intd = 0, in_int = 1;

	for (i = 0; s[i] && s[i] != 'e'; i++) {
		if (s[i] == '.') {
			in_int = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			continue;
		if (in_int && (intd || s[i] != '0'))
			intd++;
		if (s[i] != '0') {
			if (first < 0)
				first = i;
			last = i;
		}
	}
	*fixed_int_digits = s[i] == 'e' ? 0 : intd;
	if (first < 0)
		return 1;
	/* digits between first and last, minus a decimal point among them */
	return last - first + 1 - (memchr(s + first, '.', (size_t)(last - first)) ? 1 : 0);
}

/* The first p in 1..max for which "%.{p}g" reads back as the same value.
 * Instead of trying every p: for normal numbers any decimal of at most DIG
 * digits survives a round trip through the binary type (DBL_DIG/FLT_DIG),
 * so if "%.{DIG}g" round-trips, the first p is exactly its number of
 * significant digits; otherwise it is DIG+1 or above.  Subnormals lose
 * that guarantee and take the slow way. */
/* "%g" writes whole numbers with trailing zeros in exponent form ("1e+01",
 * "1.2e+02").  Below 10^7 (float) / 10^15 (double) such a number is an
 * integer the type holds exactly, so it is written as the plain integer
 * ("10", "120"): the same value, the form people and parsers expect. */
static int put_plain(char *dst, size_t dstlen, const char *t, double v, int is_float)
{
	const char *e = strchr(t, 'e');
	char u[48];

	if (e && e[1] == '+') {
		long ex = strtol(e + 1, NULL, 10);
		if (ex < (is_float ? 7 : 15)) {
			snprintf(u, sizeof u, "%.0f", v);
			return put(dst, dstlen, u);
		}
	}
	return put(dst, dstlen, t);
}

static int fmt_shortest(char *dst, size_t dstlen, double v, int is_float)
{
	int dig = is_float ? FLT_DIG : DBL_DIG;
	int max = is_float ? 9 : 17;
	double lim = is_float ? FLT_MIN : DBL_MIN;
	char t[48];
	int p, k, intd;

	if (isnan(v) || isinf(v))
		return special(dst, dstlen, v);
#define ROUNDTRIPS(str) (is_float ? strtof(str, NULL) == (float)v : strtod(str, NULL) == v)
	if (fabs(v) >= lim) {
		snprintf(t, sizeof t, "%.*g", dig, v);
		if (ROUNDTRIPS(t)) {
			k = sig_digits(t, &intd);
			/* "%.{k}g" uses the exponent form when exp >= k */
			if (k < dig && intd > k)
				snprintf(t, sizeof t, "%.*g", k, v);
			return put_plain(dst, dstlen, t, v, is_float);
		}
		p = dig + 1;
	} else if (v == 0) {
		/* %g keeps the sign of zero and strtod reads it back */
		return put(dst, dstlen, signbit(v) ? "-0" : "0");
	} else {
		p = 1;
	}
	for (; p < max; p++) {
		snprintf(t, sizeof t, "%.*g", p, v);
		if (ROUNDTRIPS(t))
			return put_plain(dst, dstlen, t, v, is_float);
	}
#undef ROUNDTRIPS
	snprintf(t, sizeof t, "%.*g", max, v);
	return put_plain(dst, dstlen, t, v, is_float);
}

/* ------------------------------------------------ exact fast formatting
 *
 * fmt_shortest() above is the definition: the first p for which "%.{p}g"
 * reads back.  fmt_exact() computes the same answer without printf/strtod.
 * With v = m*2^e exactly, X = v*10^k (k chosen so X has maxp+1 or maxp+2
 * integer digits: 18-19 for double, 10-11 for float) is computed as a
 * 64.64 fixed-point number from a 128-bit truncated significand of 10^k
 * (table from tests/unit/gen_pow10.py):
 * the computed X is below the true one by less than 3 units of 2^-64.
 * The half gaps to the neighbouring floats are H = 2^(e-1)*10^k above and
 * H (H/2 at a power of two) below, computed the same way, 2 units short
 * at most.  For p = 1, 2, ... the correctly rounded p-digit decimal is R =
 * X rounded at 10^d (d = digits - p); it reads back iff its distance to X
 * is below the half gap on its side (or equal and m even).  When 10^k is
 * exact in the table (0 <= k <= 55) and no bit was shifted out, X and H
 * are exact and so is every comparison, ties included.  Otherwise a
 * decision (round up or down; inside or outside) within 16 units of its
 * threshold is not taken: the value goes to fmt_shortest().  That is
 * rare (measured: 6 in 10^6 random doubles, all above 10^19 with a short
 * decimal exactly halfway to a neighbour; 2 in 10^5 of all float bit
 * patterns), and every answer fmt_exact() does give is exact. */
__extension__ typedef unsigned __int128 u128;

#define POW10_KMIN (-292)
#define POW10_KMAX 344
static const struct { uint64_t hi, lo; int b; } pow10_tab[] = {
	{0xff77b1fcbebcdc4full, 0x25e8e89c13bb0f7aull, -1098},
	{0x9faacf3df73609b1ull, 0x77b191618c54e9acull, -1094},
	{0xc795830d75038c1dull, 0xd59df5b9ef6a2417ull, -1091},
	{0xf97ae3d0d2446f25ull, 0x4b0573286b44ad1dull, -1088},
	{0x9becce62836ac577ull, 0x4ee367f9430aec32ull, -1084},
	{0xc2e801fb244576d5ull, 0x229c41f793cda73full, -1081},
	{0xf3a20279ed56d48aull, 0x6b43527578c1110full, -1078},
	{0x9845418c345644d6ull, 0x830a13896b78aaa9ull, -1074},
	{0xbe5691ef416bd60cull, 0x23cc986bc656d553ull, -1071},
	{0xedec366b11c6cb8full, 0x2cbfbe86b7ec8aa8ull, -1068},
	{0x94b3a202eb1c3f39ull, 0x7bf7d71432f3d6a9ull, -1064},
	{0xb9e08a83a5e34f07ull, 0xdaf5ccd93fb0cc53ull, -1061},
	{0xe858ad248f5c22c9ull, 0xd1b3400f8f9cff68ull, -1058},
	{0x91376c36d99995beull, 0x23100809b9c21fa1ull, -1054},
	{0xb58547448ffffb2dull, 0xabd40a0c2832a78aull, -1051},
	{0xe2e69915b3fff9f9ull, 0x16c90c8f323f516cull, -1048},
	{0x8dd01fad907ffc3bull, 0xae3da7d97f6792e3ull, -1044},
	{0xb1442798f49ffb4aull, 0x99cd11cfdf41779cull, -1041},
	{0xdd95317f31c7fa1dull, 0x40405643d711d583ull, -1038},
	{0x8a7d3eef7f1cfc52ull, 0x482835ea666b2572ull, -1034},
	{0xad1c8eab5ee43b66ull, 0xda3243650005eecfull, -1031},
	{0xd863b256369d4a40ull, 0x90bed43e40076a82ull, -1028},
	{0x873e4f75e2224e68ull, 0x5a7744a6e804a291ull, -1024},
	{0xa90de3535aaae202ull, 0x711515d0a205cb36ull, -1021},
	{0xd3515c2831559a83ull, 0x0d5a5b44ca873e03ull, -1018},
	{0x8412d9991ed58091ull, 0xe858790afe9486c2ull, -1014},
	{0xa5178fff668ae0b6ull, 0x626e974dbe39a872ull, -1011},
	{0xce5d73ff402d98e3ull, 0xfb0a3d212dc8128full, -1008},
	{0x80fa687f881c7f8eull, 0x7ce66634bc9d0b99ull, -1004},
	{0xa139029f6a239f72ull, 0x1c1fffc1ebc44e80ull, -1001},
	{0xc987434744ac874eull, 0xa327ffb266b56220ull, -998},
	{0xfbe9141915d7a922ull, 0x4bf1ff9f0062baa8ull, -995},
	{0x9d71ac8fada6c9b5ull, 0x6f773fc3603db4a9ull, -991},
	{0xc4ce17b399107c22ull, 0xcb550fb4384d21d3ull, -988},
	{0xf6019da07f549b2bull, 0x7e2a53a146606a48ull, -985},
	{0x99c102844f94e0fbull, 0x2eda7444cbfc426dull, -981},
	{0xc0314325637a1939ull, 0xfa911155fefb5308ull, -978},
	{0xf03d93eebc589f88ull, 0x793555ab7eba27caull, -975},
	{0x96267c7535b763b5ull, 0x4bc1558b2f3458deull, -971},
	{0xbbb01b9283253ca2ull, 0x9eb1aaedfb016f16ull, -968},
	{0xea9c227723ee8bcbull, 0x465e15a979c1cadcull, -965},
	{0x92a1958a7675175full, 0x0bfacd89ec191ec9ull, -961},
	{0xb749faed14125d36ull, 0xcef980ec671f667bull, -958},
	{0xe51c79a85916f484ull, 0x82b7e12780e7401aull, -955},
	{0x8f31cc0937ae58d2ull, 0xd1b2ecb8b0908810ull, -951},
	{0xb2fe3f0b8599ef07ull, 0x861fa7e6dcb4aa15ull, -948},
	{0xdfbdcece67006ac9ull, 0x67a791e093e1d49aull, -945},
	{0x8bd6a141006042bdull, 0xe0c8bb2c5c6d24e0ull, -941},
	{0xaecc49914078536dull, 0x58fae9f773886e18ull, -938},
	{0xda7f5bf590966848ull, 0xaf39a475506a899eull, -935},
	{0x888f99797a5e012dull, 0x6d8406c952429603ull, -931},
	{0xaab37fd7d8f58178ull, 0xc8e5087ba6d33b83ull, -928},
	{0xd5605fcdcf32e1d6ull, 0xfb1e4a9a90880a64ull, -925},
	{0x855c3be0a17fcd26ull, 0x5cf2eea09a55067full, -921},
	{0xa6b34ad8c9dfc06full, 0xf42faa48c0ea481eull, -918},
	{0xd0601d8efc57b08bull, 0xf13b94daf124da26ull, -915},
	{0x823c12795db6ce57ull, 0x76c53d08d6b70858ull, -911},
	{0xa2cb1717b52481edull, 0x54768c4b0c64ca6eull, -908},
	{0xcb7ddcdda26da268ull, 0xa9942f5dcf7dfd09ull, -905},
	{0xfe5d54150b090b02ull, 0xd3f93b35435d7c4cull, -902},
	{0x9efa548d26e5a6e1ull, 0xc47bc5014a1a6dafull, -898},
	{0xc6b8e9b0709f109aull, 0x359ab6419ca1091bull, -895},
	{0xf867241c8cc6d4c0ull, 0xc30163d203c94b62ull, -892},
	{0x9b407691d7fc44f8ull, 0x79e0de63425dcf1dull, -888},
	{0xc21094364dfb5636ull, 0x985915fc12f542e4ull, -885},
	{0xf294b943e17a2bc4ull, 0x3e6f5b7b17b2939dull, -882},
	{0x979cf3ca6cec5b5aull, 0xa705992ceecf9c42ull, -878},
	{0xbd8430bd08277231ull, 0x50c6ff782a838353ull, -875},
	{0xece53cec4a314ebdull, 0xa4f8bf5635246428ull, -872},
	{0x940f4613ae5ed136ull, 0x871b7795e136be99ull, -868},
	{0xb913179899f68584ull, 0x28e2557b59846e3full, -865},
	{0xe757dd7ec07426e5ull, 0x331aeada2fe589cfull, -862},
	{0x9096ea6f3848984full, 0x3ff0d2c85def7621ull, -858},
	{0xb4bca50b065abe63ull, 0x0fed077a756b53a9ull, -855},
	{0xe1ebce4dc7f16dfbull, 0xd3e8495912c62894ull, -852},
	{0x8d3360f09cf6e4bdull, 0x64712dd7abbbd95cull, -848},
	{0xb080392cc4349decull, 0xbd8d794d96aacfb3ull, -845},
	{0xdca04777f541c567ull, 0xecf0d7a0fc5583a0ull, -842},
	{0x89e42caaf9491b60ull, 0xf41686c49db57244ull, -838},
	{0xac5d37d5b79b6239ull, 0x311c2875c522ced5ull, -835},
	{0xd77485cb25823ac7ull, 0x7d633293366b828bull, -832},
	{0x86a8d39ef77164bcull, 0xae5dff9c02033197ull, -828},
	{0xa8530886b54dbdebull, 0xd9f57f830283fdfcull, -825},
	{0xd267caa862a12d66ull, 0xd072df63c324fd7bull, -822},
	{0x8380dea93da4bc60ull, 0x4247cb9e59f71e6dull, -818},
	{0xa46116538d0deb78ull, 0x52d9be85f074e608ull, -815},
	{0xcd795be870516656ull, 0x67902e276c921f8bull, -812},
	{0x806bd9714632dff6ull, 0x00ba1cd8a3db53b6ull, -808},
	{0xa086cfcd97bf97f3ull, 0x80e8a40eccd228a4ull, -805},
	{0xc8a883c0fdaf7df0ull, 0x6122cd128006b2cdull, -802},
	{0xfad2a4b13d1b5d6cull, 0x796b805720085f81ull, -799},
	{0x9cc3a6eec6311a63ull, 0xcbe3303674053bb0ull, -795},
	{0xc3f490aa77bd60fcull, 0xbedbfc4411068a9cull, -792},
	{0xf4f1b4d515acb93bull, 0xee92fb5515482d44ull, -789},
	{0x991711052d8bf3c5ull, 0x751bdd152d4d1c4aull, -785},
	{0xbf5cd54678eef0b6ull, 0xd262d45a78a0635dull, -782},
	{0xef340a98172aace4ull, 0x86fb897116c87c34ull, -779},
	{0x9580869f0e7aac0eull, 0xd45d35e6ae3d4da0ull, -775},
	{0xbae0a846d2195712ull, 0x8974836059cca109ull, -772},
	{0xe998d258869facd7ull, 0x2bd1a438703fc94bull, -769},
	{0x91ff83775423cc06ull, 0x7b6306a34627ddcfull, -765},
	{0xb67f6455292cbf08ull, 0x1a3bc84c17b1d542ull, -762},
	{0xe41f3d6a7377eecaull, 0x20caba5f1d9e4a93ull, -759},
	{0x8e938662882af53eull, 0x547eb47b7282ee9cull, -755},
	{0xb23867fb2a35b28dull, 0xe99e619a4f23aa43ull, -752},
	{0xdec681f9f4c31f31ull, 0x6405fa00e2ec94d4ull, -749},
	{0x8b3c113c38f9f37eull, 0xde83bc408dd3dd04ull, -745},
	{0xae0b158b4738705eull, 0x9624ab50b148d445ull, -742},
	{0xd98ddaee19068c76ull, 0x3badd624dd9b0957ull, -739},
	{0x87f8a8d4cfa417c9ull, 0xe54ca5d70a80e5d6ull, -735},
	{0xa9f6d30a038d1dbcull, 0x5e9fcf4ccd211f4cull, -732},
	{0xd47487cc8470652bull, 0x7647c3200069671full, -729},
	{0x84c8d4dfd2c63f3bull, 0x29ecd9f40041e073ull, -725},
	{0xa5fb0a17c777cf09ull, 0xf468107100525890ull, -722},
	{0xcf79cc9db955c2ccull, 0x7182148d4066eeb4ull, -719},
	{0x81ac1fe293d599bfull, 0xc6f14cd848405530ull, -715},
	{0xa21727db38cb002full, 0xb8ada00e5a506a7cull, -712},
	{0xca9cf1d206fdc03bull, 0xa6d90811f0e4851cull, -709},
	{0xfd442e4688bd304aull, 0x908f4a166d1da663ull, -706},
	{0x9e4a9cec15763e2eull, 0x9a598e4e043287feull, -702},
	{0xc5dd44271ad3cdbaull, 0x40eff1e1853f29fdull, -699},
	{0xf7549530e188c128ull, 0xd12bee59e68ef47cull, -696},
	{0x9a94dd3e8cf578b9ull, 0x82bb74f8301958ceull, -692},
	{0xc13a148e3032d6e7ull, 0xe36a52363c1faf01ull, -689},
	{0xf18899b1bc3f8ca1ull, 0xdc44e6c3cb279ac1ull, -686},
	{0x96f5600f15a7b7e5ull, 0x29ab103a5ef8c0b9ull, -682},
	{0xbcb2b812db11a5deull, 0x7415d448f6b6f0e7ull, -679},
	{0xebdf661791d60f56ull, 0x111b495b3464ad21ull, -676},
	{0x936b9fcebb25c995ull, 0xcab10dd900beec34ull, -672},
	{0xb84687c269ef3bfbull, 0x3d5d514f40eea742ull, -669},
	{0xe65829b3046b0afaull, 0x0cb4a5a3112a5112ull, -666},
	{0x8ff71a0fe2c2e6dcull, 0x47f0e785eaba72abull, -662},
	{0xb3f4e093db73a093ull, 0x59ed216765690f56ull, -659},
	{0xe0f218b8d25088b8ull, 0x306869c13ec3532cull, -656},
	{0x8c974f7383725573ull, 0x1e414218c73a13fbull, -652},
	{0xafbd2350644eeacfull, 0xe5d1929ef90898faull, -649},
	{0xdbac6c247d62a583ull, 0xdf45f746b74abf39ull, -646},
	{0x894bc396ce5da772ull, 0x6b8bba8c328eb783ull, -642},
	{0xab9eb47c81f5114full, 0x066ea92f3f326564ull, -639},
	{0xd686619ba27255a2ull, 0xc80a537b0efefebdull, -636},
	{0x8613fd0145877585ull, 0xbd06742ce95f5f36ull, -632},
	{0xa798fc4196e952e7ull, 0x2c48113823b73704ull, -629},
	{0xd17f3b51fca3a7a0ull, 0xf75a15862ca504c5ull, -626},
	{0x82ef85133de648c4ull, 0x9a984d73dbe722fbull, -622},
	{0xa3ab66580d5fdaf5ull, 0xc13e60d0d2e0ebbaull, -619},
	{0xcc963fee10b7d1b3ull, 0x318df905079926a8ull, -616},
	{0xffbbcfe994e5c61full, 0xfdf17746497f7052ull, -613},
	{0x9fd561f1fd0f9bd3ull, 0xfeb6ea8bedefa633ull, -609},
	{0xc7caba6e7c5382c8ull, 0xfe64a52ee96b8fc0ull, -606},
	{0xf9bd690a1b68637bull, 0x3dfdce7aa3c673b0ull, -603},
	{0x9c1661a651213e2dull, 0x06bea10ca65c084eull, -599},
	{0xc31bfa0fe5698db8ull, 0x486e494fcff30a62ull, -596},
	{0xf3e2f893dec3f126ull, 0x5a89dba3c3efccfaull, -593},
	{0x986ddb5c6b3a76b7ull, 0xf89629465a75e01cull, -589},
	{0xbe89523386091465ull, 0xf6bbb397f1135823ull, -586},
	{0xee2ba6c0678b597full, 0x746aa07ded582e2cull, -583},
	{0x94db483840b717efull, 0xa8c2a44eb4571cdcull, -579},
	{0xba121a4650e4ddebull, 0x92f34d62616ce413ull, -576},
	{0xe896a0d7e51e1566ull, 0x77b020baf9c81d17ull, -573},
	{0x915e2486ef32cd60ull, 0x0ace1474dc1d122eull, -569},
	{0xb5b5ada8aaff80b8ull, 0x0d819992132456baull, -566},
	{0xe3231912d5bf60e6ull, 0x10e1fff697ed6c69ull, -563},
	{0x8df5efabc5979c8full, 0xca8d3ffa1ef463c1ull, -559},
	{0xb1736b96b6fd83b3ull, 0xbd308ff8a6b17cb2ull, -556},
	{0xddd0467c64bce4a0ull, 0xac7cb3f6d05ddbdeull, -553},
	{0x8aa22c0dbef60ee4ull, 0x6bcdf07a423aa96bull, -549},
	{0xad4ab7112eb3929dull, 0x86c16c98d2c953c6ull, -546},
	{0xd89d64d57a607744ull, 0xe871c7bf077ba8b7ull, -543},
	{0x87625f056c7c4a8bull, 0x11471cd764ad4972ull, -539},
	{0xa93af6c6c79b5d2dull, 0xd598e40d3dd89bcfull, -536},
	{0xd389b47879823479ull, 0x4aff1d108d4ec2c3ull, -533},
	{0x843610cb4bf160cbull, 0xcedf722a585139baull, -529},
	{0xa54394fe1eedb8feull, 0xc2974eb4ee658828ull, -526},
	{0xce947a3da6a9273eull, 0x733d226229feea32ull, -523},
	{0x811ccc668829b887ull, 0x0806357d5a3f525full, -519},
	{0xa163ff802a3426a8ull, 0xca07c2dcb0cf26f7ull, -516},
	{0xc9bcff6034c13052ull, 0xfc89b393dd02f0b5ull, -513},
	{0xfc2c3f3841f17c67ull, 0xbbac2078d443ace2ull, -510},
	{0x9d9ba7832936edc0ull, 0xd54b944b84aa4c0dull, -506},
	{0xc5029163f384a931ull, 0x0a9e795e65d4df11ull, -503},
	{0xf64335bcf065d37dull, 0x4d4617b5ff4a16d5ull, -500},
	{0x99ea0196163fa42eull, 0x504bced1bf8e4e45ull, -496},
	{0xc06481fb9bcf8d39ull, 0xe45ec2862f71e1d6ull, -493},
	{0xf07da27a82c37088ull, 0x5d767327bb4e5a4cull, -490},
	{0x964e858c91ba2655ull, 0x3a6a07f8d510f86full, -486},
	{0xbbe226efb628afeaull, 0x890489f70a55368bull, -483},
	{0xeadab0aba3b2dbe5ull, 0x2b45ac74ccea842eull, -480},
	{0x92c8ae6b464fc96full, 0x3b0b8bc90012929dull, -476},
	{0xb77ada0617e3bbcbull, 0x09ce6ebb40173744ull, -473},
	{0xe55990879ddcaabdull, 0xcc420a6a101d0515ull, -470},
	{0x8f57fa54c2a9eab6ull, 0x9fa946824a12232dull, -466},
	{0xb32df8e9f3546564ull, 0x47939822dc96abf9ull, -463},
	{0xdff9772470297ebdull, 0x59787e2b93bc56f7ull, -460},
	{0x8bfbea76c619ef36ull, 0x57eb4edb3c55b65aull, -456},
	{0xaefae51477a06b03ull, 0xede622920b6b23f1ull, -453},
	{0xdab99e59958885c4ull, 0xe95fab368e45ecedull, -450},
	{0x88b402f7fd75539bull, 0x11dbcb0218ebb414ull, -446},
	{0xaae103b5fcd2a881ull, 0xd652bdc29f26a119ull, -443},
	{0xd59944a37c0752a2ull, 0x4be76d3346f0495full, -440},
	{0x857fcae62d8493a5ull, 0x6f70a4400c562ddbull, -436},
	{0xa6dfbd9fb8e5b88eull, 0xcb4ccd500f6bb952ull, -433},
	{0xd097ad07a71f26b2ull, 0x7e2000a41346a7a7ull, -430},
	{0x825ecc24c873782full, 0x8ed400668c0c28c8ull, -426},
	{0xa2f67f2dfa90563bull, 0x728900802f0f32faull, -423},
	{0xcbb41ef979346bcaull, 0x4f2b40a03ad2ffb9ull, -420},
	{0xfea126b7d78186bcull, 0xe2f610c84987bfa8ull, -417},
	{0x9f24b832e6b0f436ull, 0x0dd9ca7d2df4d7c9ull, -413},
	{0xc6ede63fa05d3143ull, 0x91503d1c79720dbbull, -410},
	{0xf8a95fcf88747d94ull, 0x75a44c6397ce912aull, -407},
	{0x9b69dbe1b548ce7cull, 0xc986afbe3ee11abaull, -403},
	{0xc24452da229b021bull, 0xfbe85badce996168ull, -400},
	{0xf2d56790ab41c2a2ull, 0xfae27299423fb9c3ull, -397},
	{0x97c560ba6b0919a5ull, 0xdccd879fc967d41aull, -393},
	{0xbdb6b8e905cb600full, 0x5400e987bbc1c920ull, -390},
	{0xed246723473e3813ull, 0x290123e9aab23b68ull, -387},
	{0x9436c0760c86e30bull, 0xf9a0b6720aaf6521ull, -383},
	{0xb94470938fa89bceull, 0xf808e40e8d5b3e69ull, -380},
	{0xe7958cb87392c2c2ull, 0xb60b1d1230b20e04ull, -377},
	{0x90bd77f3483bb9b9ull, 0xb1c6f22b5e6f48c2ull, -373},
	{0xb4ecd5f01a4aa828ull, 0x1e38aeb6360b1af3ull, -370},
	{0xe2280b6c20dd5232ull, 0x25c6da63c38de1b0ull, -367},
	{0x8d590723948a535full, 0x579c487e5a38ad0eull, -363},
	{0xb0af48ec79ace837ull, 0x2d835a9df0c6d851ull, -360},
	{0xdcdb1b2798182244ull, 0xf8e431456cf88e65ull, -357},
	{0x8a08f0f8bf0f156bull, 0x1b8e9ecb641b58ffull, -353},
	{0xac8b2d36eed2dac5ull, 0xe272467e3d222f3full, -350},
	{0xd7adf884aa879177ull, 0x5b0ed81dcc6abb0full, -347},
	{0x86ccbb52ea94baeaull, 0x98e947129fc2b4e9ull, -343},
	{0xa87fea27a539e9a5ull, 0x3f2398d747b36224ull, -340},
	{0xd29fe4b18e88640eull, 0x8eec7f0d19a03aadull, -337},
	{0x83a3eeeef9153e89ull, 0x1953cf68300424acull, -333},
	{0xa48ceaaab75a8e2bull, 0x5fa8c3423c052dd7ull, -330},
	{0xcdb02555653131b6ull, 0x3792f412cb06794dull, -327},
	{0x808e17555f3ebf11ull, 0xe2bbd88bbee40bd0ull, -323},
	{0xa0b19d2ab70e6ed6ull, 0x5b6aceaeae9d0ec4ull, -320},
	{0xc8de047564d20a8bull, 0xf245825a5a445275ull, -317},
	{0xfb158592be068d2eull, 0xeed6e2f0f0d56712ull, -314},
	{0x9ced737bb6c4183dull, 0x55464dd69685606bull, -310},
	{0xc428d05aa4751e4cull, 0xaa97e14c3c26b886ull, -307},
	{0xf53304714d9265dfull, 0xd53dd99f4b3066a8ull, -304},
	{0x993fe2c6d07b7fabull, 0xe546a8038efe4029ull, -300},
	{0xbf8fdb78849a5f96ull, 0xde98520472bdd033ull, -297},
	{0xef73d256a5c0f77cull, 0x963e66858f6d4440ull, -294},
	{0x95a8637627989aadull, 0xdde7001379a44aa8ull, -290},
	{0xbb127c53b17ec159ull, 0x5560c018580d5d52ull, -287},
	{0xe9d71b689dde71afull, 0xaab8f01e6e10b4a6ull, -284},
	{0x9226712162ab070dull, 0xcab3961304ca70e8ull, -280},
	{0xb6b00d69bb55c8d1ull, 0x3d607b97c5fd0d22ull, -277},
	{0xe45c10c42a2b3b05ull, 0x8cb89a7db77c506aull, -274},
	{0x8eb98a7a9a5b04e3ull, 0x77f3608e92adb242ull, -270},
	{0xb267ed1940f1c61cull, 0x55f038b237591ed3ull, -267},
	{0xdf01e85f912e37a3ull, 0x6b6c46dec52f6688ull, -264},
	{0x8b61313bbabce2c6ull, 0x2323ac4b3b3da015ull, -260},
	{0xae397d8aa96c1b77ull, 0xabec975e0a0d081aull, -257},
	{0xd9c7dced53c72255ull, 0x96e7bd358c904a21ull, -254},
	{0x881cea14545c7575ull, 0x7e50d64177da2e54ull, -250},
	{0xaa242499697392d2ull, 0xdde50bd1d5d0b9e9ull, -247},
	{0xd4ad2dbfc3d07787ull, 0x955e4ec64b44e864ull, -244},
	{0x84ec3c97da624ab4ull, 0xbd5af13bef0b113eull, -240},
	{0xa6274bbdd0fadd61ull, 0xecb1ad8aeacdd58eull, -237},
	{0xcfb11ead453994baull, 0x67de18eda5814af2ull, -234},
	{0x81ceb32c4b43fcf4ull, 0x80eacf948770ced7ull, -230},
	{0xa2425ff75e14fc31ull, 0xa1258379a94d028dull, -227},
	{0xcad2f7f5359a3b3eull, 0x096ee45813a04330ull, -224},
	{0xfd87b5f28300ca0dull, 0x8bca9d6e188853fcull, -221},
	{0x9e74d1b791e07e48ull, 0x775ea264cf55347dull, -217},
	{0xc612062576589ddaull, 0x95364afe032a819dull, -214},
	{0xf79687aed3eec551ull, 0x3a83ddbd83f52204ull, -211},
	{0x9abe14cd44753b52ull, 0xc4926a9672793542ull, -207},
	{0xc16d9a0095928a27ull, 0x75b7053c0f178293ull, -204},
	{0xf1c90080baf72cb1ull, 0x5324c68b12dd6338ull, -201},
	{0x971da05074da7beeull, 0xd3f6fc16ebca5e03ull, -197},
	{0xbce5086492111aeaull, 0x88f4bb1ca6bcf584ull, -194},
	{0xec1e4a7db69561a5ull, 0x2b31e9e3d06c32e5ull, -191},
	{0x9392ee8e921d5d07ull, 0x3aff322e62439fcfull, -187},
	{0xb877aa3236a4b449ull, 0x09befeb9fad487c2ull, -184},
	{0xe69594bec44de15bull, 0x4c2ebe687989a9b3ull, -181},
	{0x901d7cf73ab0acd9ull, 0x0f9d37014bf60a10ull, -177},
	{0xb424dc35095cd80full, 0x538484c19ef38c94ull, -174},
	{0xe12e13424bb40e13ull, 0x2865a5f206b06fb9ull, -171},
	{0x8cbccc096f5088cbull, 0xf93f87b7442e45d3ull, -167},
	{0xafebff0bcb24aafeull, 0xf78f69a51539d748ull, -164},
	{0xdbe6fecebdedd5beull, 0xb573440e5a884d1bull, -161},
	{0x89705f4136b4a597ull, 0x31680a88f8953030ull, -157},
	{0xabcc77118461cefcull, 0xfdc20d2b36ba7c3dull, -154},
	{0xd6bf94d5e57a42bcull, 0x3d32907604691b4cull, -151},
	{0x8637bd05af6c69b5ull, 0xa63f9a49c2c1b10full, -147},
	{0xa7c5ac471b478423ull, 0x0fcf80dc33721d53ull, -144},
	{0xd1b71758e219652bull, 0xd3c36113404ea4a8ull, -141},
	{0x83126e978d4fdf3bull, 0x645a1cac083126e9ull, -137},
	{0xa3d70a3d70a3d70aull, 0x3d70a3d70a3d70a3ull, -134},
	{0xccccccccccccccccull, 0xccccccccccccccccull, -131},
	{0x8000000000000000ull, 0x0000000000000000ull, -127},
	{0xa000000000000000ull, 0x0000000000000000ull, -124},
	{0xc800000000000000ull, 0x0000000000000000ull, -121},
	{0xfa00000000000000ull, 0x0000000000000000ull, -118},
	{0x9c40000000000000ull, 0x0000000000000000ull, -114},
	{0xc350000000000000ull, 0x0000000000000000ull, -111},
	{0xf424000000000000ull, 0x0000000000000000ull, -108},
	{0x9896800000000000ull, 0x0000000000000000ull, -104},
	{0xbebc200000000000ull, 0x0000000000000000ull, -101},
	{0xee6b280000000000ull, 0x0000000000000000ull, -98},
	{0x9502f90000000000ull, 0x0000000000000000ull, -94},
	{0xba43b74000000000ull, 0x0000000000000000ull, -91},
	{0xe8d4a51000000000ull, 0x0000000000000000ull, -88},
	{0x9184e72a00000000ull, 0x0000000000000000ull, -84},
	{0xb5e620f480000000ull, 0x0000000000000000ull, -81},
	{0xe35fa931a0000000ull, 0x0000000000000000ull, -78},
	{0x8e1bc9bf04000000ull, 0x0000000000000000ull, -74},
	{0xb1a2bc2ec5000000ull, 0x0000000000000000ull, -71},
	{0xde0b6b3a76400000ull, 0x0000000000000000ull, -68},
	{0x8ac7230489e80000ull, 0x0000000000000000ull, -64},
	{0xad78ebc5ac620000ull, 0x0000000000000000ull, -61},
	{0xd8d726b7177a8000ull, 0x0000000000000000ull, -58},
	{0x878678326eac9000ull, 0x0000000000000000ull, -54},
	{0xa968163f0a57b400ull, 0x0000000000000000ull, -51},
	{0xd3c21bcecceda100ull, 0x0000000000000000ull, -48},
	{0x84595161401484a0ull, 0x0000000000000000ull, -44},
	{0xa56fa5b99019a5c8ull, 0x0000000000000000ull, -41},
	{0xcecb8f27f4200f3aull, 0x0000000000000000ull, -38},
	{0x813f3978f8940984ull, 0x4000000000000000ull, -34},
	{0xa18f07d736b90be5ull, 0x5000000000000000ull, -31},
	{0xc9f2c9cd04674edeull, 0xa400000000000000ull, -28},
	{0xfc6f7c4045812296ull, 0x4d00000000000000ull, -25},
	{0x9dc5ada82b70b59dull, 0xf020000000000000ull, -21},
	{0xc5371912364ce305ull, 0x6c28000000000000ull, -18},
	{0xf684df56c3e01bc6ull, 0xc732000000000000ull, -15},
	{0x9a130b963a6c115cull, 0x3c7f400000000000ull, -11},
	{0xc097ce7bc90715b3ull, 0x4b9f100000000000ull, -8},
	{0xf0bdc21abb48db20ull, 0x1e86d40000000000ull, -5},
	{0x96769950b50d88f4ull, 0x1314448000000000ull, -1},
	{0xbc143fa4e250eb31ull, 0x17d955a000000000ull, 2},
	{0xeb194f8e1ae525fdull, 0x5dcfab0800000000ull, 5},
	{0x92efd1b8d0cf37beull, 0x5aa1cae500000000ull, 9},
	{0xb7abc627050305adull, 0xf14a3d9e40000000ull, 12},
	{0xe596b7b0c643c719ull, 0x6d9ccd05d0000000ull, 15},
	{0x8f7e32ce7bea5c6full, 0xe4820023a2000000ull, 19},
	{0xb35dbf821ae4f38bull, 0xdda2802c8a800000ull, 22},
	{0xe0352f62a19e306eull, 0xd50b2037ad200000ull, 25},
	{0x8c213d9da502de45ull, 0x4526f422cc340000ull, 29},
	{0xaf298d050e4395d6ull, 0x9670b12b7f410000ull, 32},
	{0xdaf3f04651d47b4cull, 0x3c0cdd765f114000ull, 35},
	{0x88d8762bf324cd0full, 0xa5880a69fb6ac800ull, 39},
	{0xab0e93b6efee0053ull, 0x8eea0d047a457a00ull, 42},
	{0xd5d238a4abe98068ull, 0x72a4904598d6d880ull, 45},
	{0x85a36366eb71f041ull, 0x47a6da2b7f864750ull, 49},
	{0xa70c3c40a64e6c51ull, 0x999090b65f67d924ull, 52},
	{0xd0cf4b50cfe20765ull, 0xfff4b4e3f741cf6dull, 55},
	{0x82818f1281ed449full, 0xbff8f10e7a8921a4ull, 59},
	{0xa321f2d7226895c7ull, 0xaff72d52192b6a0dull, 62},
	{0xcbea6f8ceb02bb39ull, 0x9bf4f8a69f764490ull, 65},
	{0xfee50b7025c36a08ull, 0x02f236d04753d5b4ull, 68},
	{0x9f4f2726179a2245ull, 0x01d762422c946590ull, 72},
	{0xc722f0ef9d80aad6ull, 0x424d3ad2b7b97ef5ull, 75},
	{0xf8ebad2b84e0d58bull, 0xd2e0898765a7deb2ull, 78},
	{0x9b934c3b330c8577ull, 0x63cc55f49f88eb2full, 82},
	{0xc2781f49ffcfa6d5ull, 0x3cbf6b71c76b25fbull, 85},
	{0xf316271c7fc3908aull, 0x8bef464e3945ef7aull, 88},
	{0x97edd871cfda3a56ull, 0x97758bf0e3cbb5acull, 92},
	{0xbde94e8e43d0c8ecull, 0x3d52eeed1cbea317ull, 95},
	{0xed63a231d4c4fb27ull, 0x4ca7aaa863ee4bddull, 98},
	{0x945e455f24fb1cf8ull, 0x8fe8caa93e74ef6aull, 102},
	{0xb975d6b6ee39e436ull, 0xb3e2fd538e122b44ull, 105},
	{0xe7d34c64a9c85d44ull, 0x60dbbca87196b616ull, 108},
	{0x90e40fbeea1d3a4aull, 0xbc8955e946fe31cdull, 112},
	{0xb51d13aea4a488ddull, 0x6babab6398bdbe41ull, 115},
	{0xe264589a4dcdab14ull, 0xc696963c7eed2dd1ull, 118},
	{0x8d7eb76070a08aecull, 0xfc1e1de5cf543ca2ull, 122},
	{0xb0de65388cc8ada8ull, 0x3b25a55f43294bcbull, 125},
	{0xdd15fe86affad912ull, 0x49ef0eb713f39ebeull, 128},
	{0x8a2dbf142dfcc7abull, 0x6e3569326c784337ull, 132},
	{0xacb92ed9397bf996ull, 0x49c2c37f07965404ull, 135},
	{0xd7e77a8f87daf7fbull, 0xdc33745ec97be906ull, 138},
	{0x86f0ac99b4e8dafdull, 0x69a028bb3ded71a3ull, 142},
	{0xa8acd7c0222311bcull, 0xc40832ea0d68ce0cull, 145},
	{0xd2d80db02aabd62bull, 0xf50a3fa490c30190ull, 148},
	{0x83c7088e1aab65dbull, 0x792667c6da79e0faull, 152},
	{0xa4b8cab1a1563f52ull, 0x577001b891185938ull, 155},
	{0xcde6fd5e09abcf26ull, 0xed4c0226b55e6f86ull, 158},
	{0x80b05e5ac60b6178ull, 0x544f8158315b05b4ull, 162},
	{0xa0dc75f1778e39d6ull, 0x696361ae3db1c721ull, 165},
	{0xc913936dd571c84cull, 0x03bc3a19cd1e38e9ull, 168},
	{0xfb5878494ace3a5full, 0x04ab48a04065c723ull, 171},
	{0x9d174b2dcec0e47bull, 0x62eb0d64283f9c76ull, 175},
	{0xc45d1df942711d9aull, 0x3ba5d0bd324f8394ull, 178},
	{0xf5746577930d6500ull, 0xca8f44ec7ee36479ull, 181},
	{0x9968bf6abbe85f20ull, 0x7e998b13cf4e1ecbull, 185},
	{0xbfc2ef456ae276e8ull, 0x9e3fedd8c321a67eull, 188},
	{0xefb3ab16c59b14a2ull, 0xc5cfe94ef3ea101eull, 191},
	{0x95d04aee3b80ece5ull, 0xbba1f1d158724a12ull, 195},
	{0xbb445da9ca61281full, 0x2a8a6e45ae8edc97ull, 198},
	{0xea1575143cf97226ull, 0xf52d09d71a3293bdull, 201},
	{0x924d692ca61be758ull, 0x593c2626705f9c56ull, 205},
	{0xb6e0c377cfa2e12eull, 0x6f8b2fb00c77836cull, 208},
	{0xe498f455c38b997aull, 0x0b6dfb9c0f956447ull, 211},
	{0x8edf98b59a373fecull, 0x4724bd4189bd5eacull, 215},
	{0xb2977ee300c50fe7ull, 0x58edec91ec2cb657ull, 218},
	{0xdf3d5e9bc0f653e1ull, 0x2f2967b66737e3edull, 221},
	{0x8b865b215899f46cull, 0xbd79e0d20082ee74ull, 225},
	{0xae67f1e9aec07187ull, 0xecd8590680a3aa11ull, 228},
	{0xda01ee641a708de9ull, 0xe80e6f4820cc9495ull, 231},
	{0x884134fe908658b2ull, 0x3109058d147fdcddull, 235},
	{0xaa51823e34a7eedeull, 0xbd4b46f0599fd415ull, 238},
	{0xd4e5e2cdc1d1ea96ull, 0x6c9e18ac7007c91aull, 241},
	{0x850fadc09923329eull, 0x03e2cf6bc604ddb0ull, 245},
	{0xa6539930bf6bff45ull, 0x84db8346b786151cull, 248},
	{0xcfe87f7cef46ff16ull, 0xe612641865679a63ull, 251},
	{0x81f14fae158c5f6eull, 0x4fcb7e8f3f60c07eull, 255},
	{0xa26da3999aef7749ull, 0xe3be5e330f38f09dull, 258},
	{0xcb090c8001ab551cull, 0x5cadf5bfd3072cc5ull, 261},
	{0xfdcb4fa002162a63ull, 0x73d9732fc7c8f7f6ull, 264},
	{0x9e9f11c4014dda7eull, 0x2867e7fddcdd9afaull, 268},
	{0xc646d63501a1511dull, 0xb281e1fd541501b8ull, 271},
	{0xf7d88bc24209a565ull, 0x1f225a7ca91a4226ull, 274},
	{0x9ae757596946075full, 0x3375788de9b06958ull, 278},
	{0xc1a12d2fc3978937ull, 0x0052d6b1641c83aeull, 281},
	{0xf209787bb47d6b84ull, 0xc0678c5dbd23a49aull, 284},
	{0x9745eb4d50ce6332ull, 0xf840b7ba963646e0ull, 288},
	{0xbd176620a501fbffull, 0xb650e5a93bc3d898ull, 291},
	{0xec5d3fa8ce427affull, 0xa3e51f138ab4cebeull, 294},
	{0x93ba47c980e98cdfull, 0xc66f336c36b10137ull, 298},
	{0xb8a8d9bbe123f017ull, 0xb80b0047445d4184ull, 301},
	{0xe6d3102ad96cec1dull, 0xa60dc059157491e5ull, 304},
	{0x9043ea1ac7e41392ull, 0x87c89837ad68db2full, 308},
	{0xb454e4a179dd1877ull, 0x29babe4598c311fbull, 311},
	{0xe16a1dc9d8545e94ull, 0xf4296dd6fef3d67aull, 314},
	{0x8ce2529e2734bb1dull, 0x1899e4a65f58660cull, 318},
	{0xb01ae745b101e9e4ull, 0x5ec05dcff72e7f8full, 321},
	{0xdc21a1171d42645dull, 0x76707543f4fa1f73ull, 324},
	{0x899504ae72497ebaull, 0x6a06494a791c53a8ull, 328},
	{0xabfa45da0edbde69ull, 0x0487db9d17636892ull, 331},
	{0xd6f8d7509292d603ull, 0x45a9d2845d3c42b6ull, 334},
	{0x865b86925b9bc5c2ull, 0x0b8a2392ba45a9b2ull, 338},
	{0xa7f26836f282b732ull, 0x8e6cac7768d7141eull, 341},
	{0xd1ef0244af2364ffull, 0x3207d795430cd926ull, 344},
	{0x8335616aed761f1full, 0x7f44e6bd49e807b8ull, 348},
	{0xa402b9c5a8d3a6e7ull, 0x5f16206c9c6209a6ull, 351},
	{0xcd036837130890a1ull, 0x36dba887c37a8c0full, 354},
	{0x802221226be55a64ull, 0xc2494954da2c9789ull, 358},
	{0xa02aa96b06deb0fdull, 0xf2db9baa10b7bd6cull, 361},
	{0xc83553c5c8965d3dull, 0x6f92829494e5acc7ull, 364},
	{0xfa42a8b73abbf48cull, 0xcb772339ba1f17f9ull, 367},
	{0x9c69a97284b578d7ull, 0xff2a760414536efbull, 371},
	{0xc38413cf25e2d70dull, 0xfef5138519684abaull, 374},
	{0xf46518c2ef5b8cd1ull, 0x7eb258665fc25d69ull, 377},
	{0x98bf2f79d5993802ull, 0xef2f773ffbd97a61ull, 381},
	{0xbeeefb584aff8603ull, 0xaafb550ffacfd8faull, 384},
	{0xeeaaba2e5dbf6784ull, 0x95ba2a53f983cf38ull, 387},
	{0x952ab45cfa97a0b2ull, 0xdd945a747bf26183ull, 391},
	{0xba756174393d88dfull, 0x94f971119aeef9e4ull, 394},
	{0xe912b9d1478ceb17ull, 0x7a37cd5601aab85dull, 397},
	{0x91abb422ccb812eeull, 0xac62e055c10ab33aull, 401},
	{0xb616a12b7fe617aaull, 0x577b986b314d6009ull, 404},
	{0xe39c49765fdf9d94ull, 0xed5a7e85fda0b80bull, 407},
	{0x8e41ade9fbebc27dull, 0x14588f13be847307ull, 411},
	{0xb1d219647ae6b31cull, 0x596eb2d8ae258fc8ull, 414},
	{0xde469fbd99a05fe3ull, 0x6fca5f8ed9aef3bbull, 417},
	{0x8aec23d680043beeull, 0x25de7bb9480d5854ull, 421},
	{0xada72ccc20054ae9ull, 0xaf561aa79a10ae6aull, 424},
	{0xd910f7ff28069da4ull, 0x1b2ba1518094da04ull, 427},
	{0x87aa9aff79042286ull, 0x90fb44d2f05d0842ull, 431},
	{0xa99541bf57452b28ull, 0x353a1607ac744a53ull, 434},
	{0xd3fa922f2d1675f2ull, 0x42889b8997915ce8ull, 437},
	{0x847c9b5d7c2e09b7ull, 0x69956135febada11ull, 441},
	{0xa59bc234db398c25ull, 0x43fab9837e699095ull, 444},
	{0xcf02b2c21207ef2eull, 0x94f967e45e03f4bbull, 447},
	{0x8161afb94b44f57dull, 0x1d1be0eebac278f5ull, 451},
	{0xa1ba1ba79e1632dcull, 0x6462d92a69731732ull, 454},
	{0xca28a291859bbf93ull, 0x7d7b8f7503cfdcfeull, 457},
	{0xfcb2cb35e702af78ull, 0x5cda735244c3d43eull, 460},
	{0x9defbf01b061adabull, 0x3a0888136afa64a7ull, 464},
	{0xc56baec21c7a1916ull, 0x088aaa1845b8fdd0ull, 467},
	{0xf6c69a72a3989f5bull, 0x8aad549e57273d45ull, 470},
	{0x9a3c2087a63f6399ull, 0x36ac54e2f678864bull, 474},
	{0xc0cb28a98fcf3c7full, 0x84576a1bb416a7ddull, 477},
	{0xf0fdf2d3f3c30b9full, 0x656d44a2a11c51d5ull, 480},
	{0x969eb7c47859e743ull, 0x9f644ae5a4b1b325ull, 484},
	{0xbc4665b596706114ull, 0x873d5d9f0dde1feeull, 487},
	{0xeb57ff22fc0c7959ull, 0xa90cb506d155a7eaull, 490},
	{0x9316ff75dd87cbd8ull, 0x09a7f12442d588f2ull, 494},
	{0xb7dcbf5354e9beceull, 0x0c11ed6d538aeb2full, 497},
	{0xe5d3ef282a242e81ull, 0x8f1668c8a86da5faull, 500},
	{0x8fa475791a569d10ull, 0xf96e017d694487bcull, 504},
	{0xb38d92d760ec4455ull, 0x37c981dcc395a9acull, 507},
	{0xe070f78d3927556aull, 0x85bbe253f47b1417ull, 510},
	{0x8c469ab843b89562ull, 0x93956d7478ccec8eull, 514},
	{0xaf58416654a6babbull, 0x387ac8d1970027b2ull, 517},
	{0xdb2e51bfe9d0696aull, 0x06997b05fcc0319eull, 520},
	{0x88fcf317f22241e2ull, 0x441fece3bdf81f03ull, 524},
	{0xab3c2fddeeaad25aull, 0xd527e81cad7626c3ull, 527},
	{0xd60b3bd56a5586f1ull, 0x8a71e223d8d3b074ull, 530},
	{0x85c7056562757456ull, 0xf6872d5667844e49ull, 534},
	{0xa738c6bebb12d16cull, 0xb428f8ac016561dbull, 537},
	{0xd106f86e69d785c7ull, 0xe13336d701beba52ull, 540},
	{0x82a45b450226b39cull, 0xecc0024661173473ull, 544},
	{0xa34d721642b06084ull, 0x27f002d7f95d0190ull, 547},
	{0xcc20ce9bd35c78a5ull, 0x31ec038df7b441f4ull, 550},
	{0xff290242c83396ceull, 0x7e67047175a15271ull, 553},
	{0x9f79a169bd203e41ull, 0x0f0062c6e984d386ull, 557},
	{0xc75809c42c684dd1ull, 0x52c07b78a3e60868ull, 560},
	{0xf92e0c3537826145ull, 0xa7709a56ccdf8a82ull, 563},
	{0x9bbcc7a142b17ccbull, 0x88a66076400bb691ull, 567},
	{0xc2abf989935ddbfeull, 0x6acff893d00ea435ull, 570},
	{0xf356f7ebf83552feull, 0x0583f6b8c4124d43ull, 573},
	{0x98165af37b2153deull, 0xc3727a337a8b704aull, 577},
	{0xbe1bf1b059e9a8d6ull, 0x744f18c0592e4c5cull, 580},
	{0xeda2ee1c7064130cull, 0x1162def06f79df73ull, 583},
	{0x9485d4d1c63e8be7ull, 0x8addcb5645ac2ba8ull, 587},
	{0xb9a74a0637ce2ee1ull, 0x6d953e2bd7173692ull, 590},
	{0xe8111c87c5c1ba99ull, 0xc8fa8db6ccdd0437ull, 593},
	{0x910ab1d4db9914a0ull, 0x1d9c9892400a22a2ull, 597},
	{0xb54d5e4a127f59c8ull, 0x2503beb6d00cab4bull, 600},
	{0xe2a0b5dc971f303aull, 0x2e44ae64840fd61dull, 603},
	{0x8da471a9de737e24ull, 0x5ceaecfed289e5d2ull, 607},
	{0xb10d8e1456105dadull, 0x7425a83e872c5f47ull, 610},
	{0xdd50f1996b947518ull, 0xd12f124e28f77719ull, 613},
	{0x8a5296ffe33cc92full, 0x82bd6b70d99aaa6full, 617},
	{0xace73cbfdc0bfb7bull, 0x636cc64d1001550bull, 620},
	{0xd8210befd30efa5aull, 0x3c47f7e05401aa4eull, 623},
	{0x8714a775e3e95c78ull, 0x65acfaec34810a71ull, 627},
	{0xa8d9d1535ce3b396ull, 0x7f1839a741a14d0dull, 630},
	{0xd31045a8341ca07cull, 0x1ede48111209a050ull, 633},
	{0x83ea2b892091e44dull, 0x934aed0aab460432ull, 637},
	{0xa4e4b66b68b65d60ull, 0xf81da84d5617853full, 640},
	{0xce1de40642e3f4b9ull, 0x36251260ab9d668eull, 643},
	{0x80d2ae83e9ce78f3ull, 0xc1d72b7c6b426019ull, 647},
	{0xa1075a24e4421730ull, 0xb24cf65b8612f81full, 650},
	{0xc94930ae1d529cfcull, 0xdee033f26797b627ull, 653},
	{0xfb9b7cd9a4a7443cull, 0x169840ef017da3b1ull, 656},
	{0x9d412e0806e88aa5ull, 0x8e1f289560ee864eull, 660},
	{0xc491798a08a2ad4eull, 0xf1a6f2bab92a27e2ull, 663},
	{0xf5b5d7ec8acb58a2ull, 0xae10af696774b1dbull, 666},
	{0x9991a6f3d6bf1765ull, 0xacca6da1e0a8ef29ull, 670},
	{0xbff610b0cc6edd3full, 0x17fd090a58d32af3ull, 673},
	{0xeff394dcff8a948eull, 0xddfc4b4cef07f5b0ull, 676},
	{0x95f83d0a1fb69cd9ull, 0x4abdaf101564f98eull, 680},
	{0xbb764c4ca7a4440full, 0x9d6d1ad41abe37f1ull, 683},
	{0xea53df5fd18d5513ull, 0x84c86189216dc5edull, 686},
	{0x92746b9be2f8552cull, 0x32fd3cf5b4e49bb4ull, 690},
	{0xb7118682dbb66a77ull, 0x3fbc8c33221dc2a1ull, 693},
	{0xe4d5e82392a40515ull, 0x0fabaf3feaa5334aull, 696},
	{0x8f05b1163ba6832dull, 0x29cb4d87f2a7400eull, 700},
	{0xb2c71d5bca9023f8ull, 0x743e20e9ef511012ull, 703},
	{0xdf78e4b2bd342cf6ull, 0x914da9246b255416ull, 706},
	{0x8bab8eefb6409c1aull, 0x1ad089b6c2f7548eull, 710},
	{0xae9672aba3d0c320ull, 0xa184ac2473b529b1ull, 713},
	{0xda3c0f568cc4f3e8ull, 0xc9e5d72d90a2741eull, 716},
	{0x8865899617fb1871ull, 0x7e2fa67c7a658892ull, 720},
	{0xaa7eebfb9df9de8dull, 0xddbb901b98feeab7ull, 723},
	{0xd51ea6fa85785631ull, 0x552a74227f3ea565ull, 726},
	{0x8533285c936b35deull, 0xd53a88958f87275full, 730},
	{0xa67ff273b8460356ull, 0x8a892abaf368f137ull, 733},
	{0xd01fef10a657842cull, 0x2d2b7569b0432d85ull, 736},
	{0x8213f56a67f6b29bull, 0x9c3b29620e29fc73ull, 740},
	{0xa298f2c501f45f42ull, 0x8349f3ba91b47b8full, 743},
	{0xcb3f2f7642717713ull, 0x241c70a936219a73ull, 746},
	{0xfe0efb53d30dd4d7ull, 0xed238cd383aa0110ull, 749},
	{0x9ec95d1463e8a506ull, 0xf4363804324a40aaull, 753},
	{0xc67bb4597ce2ce48ull, 0xb143c6053edcd0d5ull, 756},
	{0xf81aa16fdc1b81daull, 0xdd94b7868e94050aull, 759},
	{0x9b10a4e5e9913128ull, 0xca7cf2b4191c8326ull, 763},
	{0xc1d4ce1f63f57d72ull, 0xfd1c2f611f63a3f0ull, 766},
	{0xf24a01a73cf2dccfull, 0xbc633b39673c8cecull, 769},
	{0x976e41088617ca01ull, 0xd5be0503e085d813ull, 773},
	{0xbd49d14aa79dbc82ull, 0x4b2d8644d8a74e18ull, 776},
	{0xec9c459d51852ba2ull, 0xddf8e7d60ed1219eull, 779},
	{0x93e1ab8252f33b45ull, 0xcabb90e5c942b503ull, 783},
	{0xb8da1662e7b00a17ull, 0x3d6a751f3b936243ull, 786},
	{0xe7109bfba19c0c9dull, 0x0cc512670a783ad4ull, 789},
	{0x906a617d450187e2ull, 0x27fb2b80668b24c5ull, 793},
	{0xb484f9dc9641e9daull, 0xb1f9f660802dedf6ull, 796},
	{0xe1a63853bbd26451ull, 0x5e7873f8a0396973ull, 799},
	{0x8d07e33455637eb2ull, 0xdb0b487b6423e1e8ull, 803},
	{0xb049dc016abc5e5full, 0x91ce1a9a3d2cda62ull, 806},
	{0xdc5c5301c56b75f7ull, 0x7641a140cc7810fbull, 809},
	{0x89b9b3e11b6329baull, 0xa9e904c87fcb0a9dull, 813},
	{0xac2820d9623bf429ull, 0x546345fa9fbdcd44ull, 816},
	{0xd732290fbacaf133ull, 0xa97c177947ad4095ull, 819},
	{0x867f59a9d4bed6c0ull, 0x49ed8eabcccc485dull, 823},
	{0xa81f301449ee8c70ull, 0x5c68f256bfff5a74ull, 826},
	{0xd226fc195c6a2f8cull, 0x73832eec6fff3111ull, 829},
	{0x83585d8fd9c25db7ull, 0xc831fd53c5ff7eabull, 833},
	{0xa42e74f3d032f525ull, 0xba3e7ca8b77f5e55ull, 836},
	{0xcd3a1230c43fb26full, 0x28ce1bd2e55f35ebull, 839},
	{0x80444b5e7aa7cf85ull, 0x7980d163cf5b81b3ull, 843},
	{0xa0555e361951c366ull, 0xd7e105bcc332621full, 846},
	{0xc86ab5c39fa63440ull, 0x8dd9472bf3fefaa7ull, 849},
	{0xfa856334878fc150ull, 0xb14f98f6f0feb951ull, 852},
	{0x9c935e00d4b9d8d2ull, 0x6ed1bf9a569f33d3ull, 856},
	{0xc3b8358109e84f07ull, 0x0a862f80ec4700c8ull, 859},
	{0xf4a642e14c6262c8ull, 0xcd27bb612758c0faull, 862},
	{0x98e7e9cccfbd7dbdull, 0x8038d51cb897789cull, 866},
	{0xbf21e44003acdd2cull, 0xe0470a63e6bd56c3ull, 869},
	{0xeeea5d5004981478ull, 0x1858ccfce06cac74ull, 872},
	{0x95527a5202df0ccbull, 0x0f37801e0c43ebc8ull, 876},
	{0xbaa718e68396cffdull, 0xd30560258f54e6baull, 879},
	{0xe950df20247c83fdull, 0x47c6b82ef32a2069ull, 882},
	{0x91d28b7416cdd27eull, 0x4cdc331d57fa5441ull, 886},
	{0xb6472e511c81471dull, 0xe0133fe4adf8e952ull, 889},
	{0xe3d8f9e563a198e5ull, 0x58180fddd97723a6ull, 892},
	{0x8e679c2f5e44ff8full, 0x570f09eaa7ea7648ull, 896},
	{0xb201833b35d63f73ull, 0x2cd2cc6551e513daull, 899},
	{0xde81e40a034bcf4full, 0xf8077f7ea65e58d1ull, 902},
	{0x8b112e86420f6191ull, 0xfb04afaf27faf782ull, 906},
	{0xadd57a27d29339f6ull, 0x79c5db9af1f9b563ull, 909},
	{0xd94ad8b1c7380874ull, 0x18375281ae7822bcull, 912},
	{0x87cec76f1c830548ull, 0x8f2293910d0b15b5ull, 916},
	{0xa9c2794ae3a3c69aull, 0xb2eb3875504ddb22ull, 919},
	{0xd433179d9c8cb841ull, 0x5fa60692a46151ebull, 922},
	{0x849feec281d7f328ull, 0xdbc7c41ba6bcd333ull, 926},
	{0xa5c7ea73224deff3ull, 0x12b9b522906c0800ull, 929},
	{0xcf39e50feae16befull, 0xd768226b34870a00ull, 932},
	{0x81842f29f2cce375ull, 0xe6a1158300d46640ull, 936},
	{0xa1e53af46f801c53ull, 0x60495ae3c1097fd0ull, 939},
	{0xca5e89b18b602368ull, 0x385bb19cb14bdfc4ull, 942},
	{0xfcf62c1dee382c42ull, 0x46729e03dd9ed7b5ull, 945},
	{0x9e19db92b4e31ba9ull, 0x6c07a2c26a8346d1ull, 949},
	{0xc5a05277621be293ull, 0xc7098b7305241885ull, 952},
	{0xf70867153aa2db38ull, 0xb8cbee4fc66d1ea7ull, 955},
	{0x9a65406d44a5c903ull, 0x737f74f1dc043328ull, 959},
	{0xc0fe908895cf3b44ull, 0x505f522e53053ff2ull, 962},
	{0xf13e34aabb430a15ull, 0x647726b9e7c68fefull, 965},
	{0x96c6e0eab509e64dull, 0x5eca783430dc19f5ull, 969},
	{0xbc789925624c5fe0ull, 0xb67d16413d132072ull, 972},
	{0xeb96bf6ebadf77d8ull, 0xe41c5bd18c57e88full, 975},
	{0x933e37a534cbaae7ull, 0x8e91b962f7b6f159ull, 979},
	{0xb80dc58e81fe95a1ull, 0x723627bbb5a4adb0ull, 982},
	{0xe61136f2227e3b09ull, 0xcec3b1aaa30dd91cull, 985},
	{0x8fcac257558ee4e6ull, 0x213a4f0aa5e8a7b1ull, 989},
	{0xb3bd72ed2af29e1full, 0xa988e2cd4f62d19dull, 992},
	{0xe0accfa875af45a7ull, 0x93eb1b80a33b8605ull, 995},
	{0x8c6c01c9498d8b88ull, 0xbc72f130660533c3ull, 999},
	{0xaf87023b9bf0ee6aull, 0xeb8fad7c7f8680b4ull, 1002},
	{0xdb68c2ca82ed2a05ull, 0xa67398db9f6820e1ull, 1005},
	{0x892179be91d43a43ull, 0x88083f8943a1148cull, 1009},
	{0xab69d82e364948d4ull, 0x6a0a4f6b948959b0ull, 1012},
	{0xd6444e39c3db9b09ull, 0x848ce34679abb01cull, 1015},
};

static const uint64_t pow10_u64[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
	1000000000000ull, 10000000000000ull, 100000000000000ull,
	1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
	1000000000000000000ull, 10000000000000000000ull,
};

#define FMT_MARGIN 16

/* v = m*2^e (m > 0); lowhalf: the gap below v is half the gap above (v a
 * power of two above the smallest normal).  On success *r holds the
 * correctly rounded *np-digit decimal (or 10^*np after a carry), *x the
 * decimal exponent of its first digit; returns 0, or -1 if undecided. */
static int fmt_exact(uint64_t m, int e, int lowhalf, int maxp, uint64_t *r, int *np, int *x)
{
	int sh = __builtin_clzll(m);
	uint64_t M = m << sh;
	int b2 = e + 63 - sh;                  /* floor(log2 v) */
	/* floor((b2+1)*log10(2)), exact for |b2| < 2000 */
	int t = (int)(((int64_t)(b2 + 1) * 1292913986LL) >> 32);
	int k = maxp + 1 - t, S, rs, nd, p, d, exact, mg;
	uint64_t hi, lo, N, F, q[21], rm[21];
	u128 a, bb, w1, top, res, H, Hlo;

	if (k < POW10_KMIN || k > POW10_KMAX)
		return -1;
	hi = pow10_tab[k - POW10_KMIN].hi;
	lo = pow10_tab[k - POW10_KMIN].lo;
	/* X = M*P*2^(e - sh + b) = M*P / 2^S */
	S = -(e - sh + pow10_tab[k - POW10_KMIN].b);
	if (S < 127 || S > 200)
		return -1;
	a = (u128)M * lo;
	bb = (u128)M * hi;
	w1 = (a >> 64) + (uint64_t)bb;          /* no overflow: < 2^65 */
	top = (bb >> 64) + (w1 >> 64);          /* product = top*2^128 + (uint64)w1*2^64 + (uint64)a */
	/* res = product >> (S - 64), a 64.64 number */
	rs = S - 64;
	{
		u128 mid = (top << 64) | (uint64_t)w1;  /* product >> 64 */

		/* exact: 10^k is its table entry and no bit is shifted out */
		exact = k >= 0 && k <= 55;
		if (rs == 64) {
			res = mid;
			exact = exact && (uint64_t)a == 0;
		} else if (rs < 64) {
			if (mid >> (128 - (64 - rs)))
				return -1;
			res = (mid << (64 - rs)) | ((uint64_t)a >> rs);
			exact = exact && ((uint64_t)a & ((1ull << rs) - 1)) == 0;
		} else {
			res = mid >> (rs - 64);
			exact = exact && (uint64_t)a == 0 &&
				(mid & (((u128)1 << (rs - 64)) - 1)) == 0;
		}
	}
	N = (uint64_t)(res >> 64);
	F = (uint64_t)res;
	if (N < pow10_u64[maxp])
		return -1;
	for (nd = maxp + 1; nd < 20 && N >= pow10_u64[nd]; nd++)
		;
	/* H in units of 2^-64: 10^k * 2^(e-1+64) = P * 2^(sh - S + 63) */
	{
		int hs = S - 63 - sh;          /* >= 1 */
		u128 P = ((u128)hi << 64) | lo;

		if (hs < 1 || hs > 127)
			return -1;
		H = P >> hs;
		exact = exact && (P & (((u128)1 << hs) - 1)) == 0;
	}
	/* exact: X, H computed without error, decide ties exactly */
	mg = exact ? 0 : FMT_MARGIN;
	Hlo = lowhalf ? H >> 1 : H;
	q[0] = N;
	rm[0] = 0;
	for (d = 1; d < nd; d++) {
		q[d] = q[d - 1] / 10;
		rm[d] = rm[d - 1] + (q[d - 1] - q[d] * 10) * pow10_u64[d - 1];
	}
	for (p = 1; p <= maxp; p++) {
		u128 T, U, half, dist, side;
		int up;

		d = nd - p;
		T = ((u128)rm[d] << 64) | F;
		U = (u128)pow10_u64[d] << 64;
		half = U >> 1;
		if (T + (unsigned)mg < half) {
			up = 0;
			dist = T;
			side = Hlo;
		} else if (T > half + (unsigned)mg) {
			up = 1;
			dist = U - T;
			side = H;
		} else if (exact) {
			/* an exact tie: printf rounds half to even */
			up = (int)(q[d] & 1);
			dist = half;
			side = up ? H : Hlo;
		} else {
			/* about a tie: both candidates are about half a unit
			 * away, more than the half gap on either side? */
			if (half > H + 2 * FMT_MARGIN)
				continue;
			return -1;
		}
		/* on the midpoint itself strtod rounds to the even significand */
		if (dist + (unsigned)mg < side || (exact && dist == side && !(m & 1))) {
			*r = q[d] + (uint64_t)up;
			*np = p;
			*x = nd - 1 - k;
			if (*r == pow10_u64[p])
				++*x;
			return 0;
		}
		if (!exact && dist <= side + FMT_MARGIN)
			return -1;
	}
	return -1;
}

/* Write r (p digits, or 10^p after a carry; x the exponent of its first
 * digit) exactly as "%.{p}g" would, then as put_plain() would. */
static int put_decimal(char *dst, size_t dstlen, int neg, uint64_t r, int p, int x, int is_float)
{
	char buf[24], out[48];
	const char *dg;
	int n, o = 0, i;

	while (r % 10 == 0)
		r /= 10;
	for (i = 23; r; r /= 10)
		buf[i--] = (char)('0' + r % 10);
	dg = buf + i + 1;
	n = 23 - i;
	if (neg)
		out[o++] = '-';
	if (x < -4 || x >= p) {
		if (x >= 0 && x < (is_float ? 7 : 15)) {
			/* a whole number the type holds exactly: put_plain */
			memcpy(out + o, dg, (size_t)n);
			o += n;
			for (i = n; i <= x; i++)
				out[o++] = '0';
		} else {
			int ax = x < 0 ? -x : x;

			out[o++] = dg[0];
			if (n > 1) {
				out[o++] = '.';
				memcpy(out + o, dg + 1, (size_t)(n - 1));
				o += n - 1;
			}
			out[o++] = 'e';
			out[o++] = x < 0 ? '-' : '+';
			if (ax >= 100)
				out[o++] = (char)('0' + ax / 100);
			out[o++] = (char)('0' + ax / 10 % 10);
			out[o++] = (char)('0' + ax % 10);
		}
	} else if (x >= 0) {
		for (i = 0; i <= x; i++)
			out[o++] = i < n ? dg[i] : '0';
		if (n > x + 1) {
			out[o++] = '.';
			memcpy(out + o, dg + x + 1, (size_t)(n - x - 1));
			o += n - x - 1;
		}
	} else {
		out[o++] = '0';
		out[o++] = '.';
		for (i = -1; i > x; i--)
			out[o++] = '0';
		memcpy(out + o, dg, (size_t)n);
		o += n;
	}
	if ((size_t)o >= dstlen)
		return -ENOSPC;
	memcpy(dst, out, (size_t)o);
	dst[o] = '\0';
	return o;
}

int vo_fmt_double(char *dst, size_t dstlen, double v)
{
	uint64_t u, m, r;
	int be, e, p, x;

	memcpy(&u, &v, sizeof u);
	be = (int)(u >> 52 & 0x7ff);
	m = u & ((1ull << 52) - 1);
	if (be == 0x7ff || (be == 0 && m == 0))
		return fmt_shortest(dst, dstlen, v, 0);
	if (be) {
		e = be - 1075;
		if (fmt_exact(m | 1ull << 52, e, m == 0 && be > 1, 17, &r, &p, &x) == 0)
			return put_decimal(dst, dstlen, (int)(u >> 63), r, p, x, 0);
	} else if (fmt_exact(m, -1074, 0, 17, &r, &p, &x) == 0) {
		return put_decimal(dst, dstlen, (int)(u >> 63), r, p, x, 0);
	}
	return fmt_shortest(dst, dstlen, v, 0);
}

int vo_fmt_float(char *dst, size_t dstlen, float v)
{
	uint32_t u, m;
	uint64_t r;
	int be, p, x;

	memcpy(&u, &v, sizeof u);
	be = (int)(u >> 23 & 0xff);
	m = u & ((1u << 23) - 1);
	if (be == 0xff || (be == 0 && m == 0))
		return fmt_shortest(dst, dstlen, v, 1);
	if (be) {
		if (fmt_exact(m | 1u << 23, be - 150, m == 0 && be > 1, 9, &r, &p, &x) == 0)
			return put_decimal(dst, dstlen, (int)(u >> 31), r, p, x, 1);
	} else if (fmt_exact(m, -149, 0, 9, &r, &p, &x) == 0) {
		return put_decimal(dst, dstlen, (int)(u >> 31), r, p, x, 1);
	}
	return fmt_shortest(dst, dstlen, v, 1);
}

/* ------------------------------------------------------------ CSV */

static int csv_cell(struct vo_buf *out, const char *s, size_t n, int null)
{
	size_t i;
	int quote = 0, rc;

	if (null)
		return 0;
	if (n == 0)
		return vo_buf_add(out, "\"\"", 2);
	if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
		quote = 1;
	for (i = 0; i < n && !quote; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = 1;
	if (!quote)
		return vo_buf_add(out, s, n);
	if ((rc = vo_buf_addc(out, '"')))
		return rc;
	for (i = 0; i < n; i++) {
		const char *q = memchr(s + i, '"', n - i);
		size_t end = q ? (size_t)(q - s) + 1 : n;

		/* copy through the quote, then double it */
		if ((rc = vo_buf_add(out, s + i, end - i)))
			return rc;
		if (q && (rc = vo_buf_addc(out, '"')))
			return rc;
		i = end - 1;
	}
	return vo_buf_addc(out, '"');
}

static int csv_crlf_default;

void vo_csv_set_crlf(int crlf)
{
	csv_crlf_default = crlf != 0;
}

int vo_csv_crlf(void)
{
	return csv_crlf_default;
}

static int csv_eol(struct vo_buf *out, int crlf)
{
	return crlf ? vo_buf_add(out, "\r\n", 2) : vo_buf_addc(out, '\n');
}

int vo_csv_row_eol(struct vo_buf *out, const struct vo_cell *cells, size_t n, int crlf)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (i && (rc = vo_buf_addc(out, ',')))
			return rc;
		if ((rc = csv_cell(out, cells[i].s, cells[i].len, cells[i].null)))
			return rc;
	}
	return csv_eol(out, crlf);
}

int vo_csv_header_eol(struct vo_buf *out, const struct vo_table_meta *m, int crlf)
{
	size_t i;
	int rc;

	for (i = 0; i < m->nfields; i++) {
		const char *name = m->fields[i].name ? m->fields[i].name : "";

		if (i && (rc = vo_buf_addc(out, ',')))
			return rc;
		if ((rc = csv_cell(out, name, strlen(name), 0)))
			return rc;
	}
	return csv_eol(out, crlf);
}

int vo_csv_row(struct vo_buf *out, const struct vo_cell *cells, size_t n)
{
	return vo_csv_row_eol(out, cells, n, csv_crlf_default);
}

int vo_csv_header(struct vo_buf *out, const struct vo_table_meta *m)
{
	return vo_csv_header_eol(out, m, csv_crlf_default);
}

/* ------------------------------------------------------------ VOTable */

/* Top-level elements of a fragment the reader serialized (well formed,
 * '<' and '>' escaped everywhere but in tags).  Calls fn for each element
 * whose name is in names (NULL-terminated list; NULL list: any name not in
 * skip).  Used to put table_xml/resource_xml pieces in schema order. */
struct piece_filter {
	const char *const *only;   /* names to emit, or NULL */
	const char *const *skip;   /* with only == NULL: names not to emit */
};

static int name_in(const char *name, size_t n, const char *const *list)
{
	for (; list && *list; list++)
		if (strlen(*list) == n && !memcmp(*list, name, n))
			return 1;
	return 0;
}

static int emit_pieces(struct vo_buf *out, const char *xml,
		       const struct piece_filter *pf)
{
	const char *p = xml ? xml : "";
	int rc;

	while ((p = strchr(p, '<'))) {
		const char *start = p, *name = p + 1, *q = p;
		size_t nlen = strcspn(name, " \t\r\n/>");
		int depth = 0;

		/* find the end of this element */
		while (*q) {
			const char *gt;

			if (*q != '<') {
				q++;
				continue;
			}
			gt = strchr(q, '>');
			if (!gt) {
				q += strlen(q);
				break;
			}
			if (q[1] == '/')
				depth--;
			else if (q[1] != '!' && q[1] != '?' && gt[-1] != '/')
				depth++;
			q = gt + 1;
			if (depth <= 0)
				break;
		}
		if (pf->only ? name_in(name, nlen, pf->only) :
			       !name_in(name, nlen, pf->skip)) {
			if ((rc = vo_buf_add(out, start, (size_t)(q - start))) ||
			    (rc = vo_buf_addc(out, '\n')))
				return rc;
		}
		p = q;
	}
	return 0;
}

static int write_info(struct vo_buf *out, const char *status, const char *msg)
{
	int rc;

	if ((rc = vo_buf_adds(out, "<INFO name=\"QUERY_STATUS\" value=\"")) ||
	    (rc = vo_xml_escape(out, status ? status : "OK",
				strlen(status ? status : "OK"), 1)))
		return rc;
	if (!msg || !*msg)
		return vo_buf_adds(out, "\"/>\n");
	if ((rc = vo_buf_adds(out, "\">")) ||
	    (rc = vo_xml_escape(out, msg, strlen(msg), 0)))
		return rc;
	return vo_buf_adds(out, "</INFO>\n");
}

/* A FIELD without stored XML (should not happen): a minimal one. */
static int write_bare_field(struct vo_buf *out, const struct vo_field *f,
			    size_t i)
{
	int rc;

	if ((rc = vo_buf_adds(out, "<FIELD name=\"")))
		return rc;
	if (f->name)
		rc = vo_xml_escape(out, f->name, strlen(f->name), 1);
	else
		rc = vo_buf_addf(out, "col%zu", i + 1);
	if (rc || (rc = vo_buf_adds(out, "\" datatype=\"char\" arraysize=\"*\"/>\n")))
		return rc;
	return 0;
}

int vo_votable_write_head(struct vo_buf *out, const struct vo_table_meta *m,
			  const char *status, const char *msg)
{
	static const char *const res_first[] = {"INFO", NULL};
	static const char *const res_rest[] = {"COOSYS", "TIMESYS", "GROUP",
					       "PARAM", NULL};
	static const char *const t_desc[] = {"DESCRIPTION", NULL};
	static const char *const t_info[] = {"INFO", NULL};
	static const char *const t_pg[] = {"PARAM", "GROUP", NULL};
	static const char *const t_link[] = {"LINK", NULL};
	struct piece_filter f;
	size_t i;
	int rc;

	if ((rc = vo_buf_adds(out,
			      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			      "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n"
			      "<RESOURCE type=\"results\">\n")) ||
	    (rc = write_info(out, status, msg)))
		return rc;
	/* RESOURCE: INFO* then COOSYS/TIMESYS/GROUP/PARAM, as the schema
	 * orders them */
	f.skip = NULL;
	f.only = res_first;
	if ((rc = emit_pieces(out, m->resource_xml, &f)))
		return rc;
	f.only = res_rest;
	if ((rc = emit_pieces(out, m->resource_xml, &f)))
		return rc;
	if ((rc = vo_buf_adds(out, "<TABLE>\n")))
		return rc;
	/* TABLE: DESCRIPTION? INFO* (FIELD|PARAM|GROUP)+ LINK* DATA */
	f.only = t_desc;
	if ((rc = emit_pieces(out, m->table_xml, &f)))
		return rc;
	f.only = t_info;
	if ((rc = emit_pieces(out, m->table_xml, &f)))
		return rc;
	for (i = 0; i < m->nfields; i++) {
		if (!m->fields[i].xml)
			rc = write_bare_field(out, &m->fields[i], i);
		else if (!(rc = vo_buf_adds(out, m->fields[i].xml)))
			rc = vo_buf_addc(out, '\n');
		if (rc)
			return rc;
	}
	f.only = t_pg;
	if ((rc = emit_pieces(out, m->table_xml, &f)))
		return rc;
	f.only = t_link;
	if ((rc = emit_pieces(out, m->table_xml, &f)))
		return rc;
	return vo_buf_adds(out, "<DATA><TABLEDATA>\n");
}

int vo_votable_write_row(struct vo_buf *out, const struct vo_cell *cells,
			 size_t n)
{
	size_t i;
	int rc;

	if ((rc = vo_buf_adds(out, "<TR>")))
		return rc;
	for (i = 0; i < n; i++) {
		if (cells[i].null) {
			rc = vo_buf_adds(out, "<TD/>");
		} else if (!(rc = vo_buf_adds(out, "<TD>")) &&
			   !(rc = vo_xml_escape(out, cells[i].s, cells[i].len, 0))) {
			rc = vo_buf_adds(out, "</TD>");
		}
		if (rc)
			return rc;
	}
	return vo_buf_adds(out, "</TR>\n");
}

int vo_votable_write_tail(struct vo_buf *out, const char *status,
			  const char *msg, const char *meta_resources)
{
	int rc;

	if ((rc = vo_buf_adds(out, "</TABLEDATA></DATA>\n</TABLE>\n")))
		return rc;
	if (status && !strcmp(status, "OVERFLOW") &&
	    (rc = write_info(out, status, msg)))
		return rc;
	if ((rc = vo_buf_adds(out, "</RESOURCE>\n")))
		return rc;
	if (meta_resources && *meta_resources &&
	    ((rc = vo_buf_adds(out, meta_resources)) || (rc = vo_buf_adds(out, "\n"))))
		return rc;
	return vo_buf_adds(out, "</VOTABLE>\n");
}
