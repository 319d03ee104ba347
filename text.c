/*
 * text.c - untrusted text for file names and log lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "text.h"

static int
plain_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	   (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* FNV-1a, 64 bits */
static uint64_t
hash64(const char *s)
{
    uint64_t	h = 0xcbf29ce484222325ULL;

    for (; *s; s++) {
	h ^= (unsigned char)*s;
	h *= 0x100000001b3ULL;
    }
    return h;
}

/* encode name into buf, at most limit bytes, whole characters; returns length */
static size_t
encode(const char *name, char *buf, size_t limit, int *cut)
{
    static const char	hex[] = "0123456789ABCDEF";
    const unsigned char	*s;
    size_t		n = 0;

    *cut = 0;
    for (s = (const unsigned char *)name; *s; s++) {
	if (n + (plain_char(*s) ? 1 : 3) > limit) {
	    *cut = 1;
	    break;
	}
	if (plain_char(*s))
	    buf[n++] = *s;
	else {
	    buf[n++] = '%';
	    buf[n++] = hex[*s >> 4];
	    buf[n++] = hex[*s & 15];
	}
    }
    buf[n] = '\0';
    return n;
}

char *
text_path_label(const char *name, char *buf)
{
    size_t	n;
    int		cut;

    encode(name, buf, TEXT_LABEL_MAX, &cut);
    if (cut) {
	/* room for "~" and 16 hex digits of the whole name's hash */
	n = encode(name, buf, TEXT_LABEL_MAX - 17, &cut);
	snprintf(buf + n, TEXT_LABEL_MAX + 1 - n, "~%016llx",
		 (unsigned long long)hash64(name));
    }
    return buf;
}

char *
text_log(const char *s, size_t len, size_t max, char *out)
{
    static const char	hex[] = "0123456789abcdef";
    size_t		i, o = 0;
    unsigned char	c;

    for (i = 0; i < len && s[i] != '\0'; i++) {
	if (i == max) {
	    memcpy(out + o, "...", 3);
	    o += 3;
	    break;
	}
	c = (unsigned char)s[i];
	if (c == '\\' || c == '"') {
	    out[o++] = '\\';
	    out[o++] = c;
	} else if (c == '\n') {
	    out[o++] = '\\';
	    out[o++] = 'n';
	} else if (c == '\t') {
	    out[o++] = '\\';
	    out[o++] = 't';
	} else if (c < 0x20 || c == 0x7f) {
	    out[o++] = '\\';
	    out[o++] = 'x';
	    out[o++] = hex[c >> 4];
	    out[o++] = hex[c & 15];
	} else
	    out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

char *
text_log_str(const char *s, char *out)
{
    return text_log(s ? s : "", SIZE_MAX, TEXT_LOG_MAX, out);
}
