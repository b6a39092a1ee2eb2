/* fs/names.c - reversible escaping of remote names; see names.h. */
#include "names.h"

#include <errno.h>
#include <stdio.h>
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

int name_table(const char *name, char *out, size_t outlen)
{
	char esc[NAME_FILE_MAX + 2];
	int n = name_escape(name, esc, sizeof esc);

	if (n >= 0 && n <= NAME_FILE_MAX) {
		if ((size_t)n >= outlen)
			return -ENAMETOOLONG;
		memcpy(out, esc, (size_t)n + 1);
		return n;
	}
	return name_product(name, NULL, out, outlen);
}

int name_shortened(const char *file)
{
	size_t n = strlen(file);

	if (n < 9 || file[n - 9] != '~')
		return 0;
	for (size_t i = n - 8; i < n; i++)
		if (!((file[i] >= '0' && file[i] <= '9') || (file[i] >= 'a' && file[i] <= 'f')))
			return 0;
	return 1;
}

/* FNV-1a, for the tail that keeps shortened names apart */
static unsigned long hash32(const char *s)
{
	unsigned long h = 2166136261ul;

	for (; *s; s++)
		h = ((h ^ (unsigned char)*s) * 16777619ul) & 0xfffffffful;
	return h;
}

int name_product(const char *id, const char *ext, char *out, size_t outlen)
{
	char esc[NAME_PRODUCT_MAX * 3 + 1];
	size_t extlen = ext && *ext ? strlen(ext) + 1 : 0;
	size_t n = 0, room;

	if (outlen < 32 || extlen > 16)
		return -ENAMETOOLONG;
	/* escape as much as fits, never cutting an escape or a UTF-8 sequence */
	for (size_t i = 0; id[i] && n + 4 < sizeof esc; i++) {
		unsigned char ch = (unsigned char)id[i];
		if (must_escape(ch, i)) {
			static const char hex[] = "0123456789ABCDEF";
			esc[n++] = '%';
			esc[n++] = hex[ch >> 4];
			esc[n++] = hex[ch & 15];
		} else {
			esc[n++] = (char)ch;
		}
	}
	esc[n] = '\0';
	if (n == 0) {
		strcpy(esc, "product");
		n = 7;
	}
	room = (outlen - 1 < NAME_PRODUCT_MAX ? outlen - 1 : NAME_PRODUCT_MAX) - extlen;
	if (n > room || strlen(id) * 3 + 4 >= sizeof esc) {
		/* too long: a prefix, '~' and a hash of the whole id */
		size_t cut = room - 9;
		while (cut > 0 && (((unsigned char)esc[cut] & 0xC0) == 0x80 ||
				   (cut >= 1 && esc[cut - 1] == '%') ||
				   (cut >= 2 && esc[cut - 2] == '%')))
			cut--;
		snprintf(esc + cut, sizeof esc - cut, "~%08lx", hash32(id));
		n = strlen(esc);
	}
	snprintf(out, outlen, "%s%s%s", esc, extlen ? "." : "", extlen ? ext : "");
	return (int)strlen(out);
}
