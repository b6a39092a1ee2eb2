/* fs/names.c - reversible escaping of remote names; see names.h. */
#include "names.h"

#include <errno.h>
#include <string.h>

static int must_escape(unsigned char ch, size_t pos)
{
	return ch == '%' || ch == '/' || ch < 0x20 || ch == 0x7f || (pos == 0 && ch == '.');
}

int name_escape(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; in[i]; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (must_escape(ch, i)) {
			if (o + 3 >= outlen)
				return -ENAMETOOLONG;
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		} else {
			if (o + 1 >= outlen)
				return -ENAMETOOLONG;
			out[o++] = (char)ch;
		}
	}
	if (o >= outlen || o > 255)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return (int)o;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int name_unescape(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; in[i]; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (ch == '%') {
			int h = hexval(in[i + 1]), l = h >= 0 ? hexval(in[i + 2]) : -1;
			if (h < 0 || l < 0)
				return -EINVAL;
			ch = (unsigned char)(h * 16 + l);
			/* only the canonical escape is accepted */
			if (!must_escape(ch, o) || ch == 0)
				return -EINVAL;
			i += 2;
		} else if (must_escape(ch, o)) {
			return -EINVAL;
		}
		if (o + 1 >= outlen)
			return -ENAMETOOLONG;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return (int)o;
}
