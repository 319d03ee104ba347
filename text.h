/*
 * text.h - untrusted text made safe where it is used: in a file name
 * (an instance name in a cgroup directory) and in a log line (parameters,
 * configuration lines, names).  Pure: no allocation, no libpcp.
 */
#ifndef PIPE_TEXT_H
#define PIPE_TEXT_H

#include <stddef.h>

/* longest file name text_path_label writes (without its NUL) */
#define TEXT_LABEL_MAX	64
/* untrusted text logged is cut after this many input bytes */
#define TEXT_LOG_MAX	200

/*
 * name as one path component, at most TEXT_LABEL_MAX bytes: letters,
 * digits, '_' and '-' stay, every other byte becomes %XX ('.', '/' and
 * '%' included, so no label is "." or "..", holds a '/', or starts with
 * '.'); a longer result is cut and ends in "~" and a 64-bit hash of the
 * whole name, so different names never share a label in practice.
 * buf must hold TEXT_LABEL_MAX + 1 bytes.  Returns buf.
 */
char *text_path_label(const char *name, char *buf);

/*
 * Up to len bytes of s (stopping at a NUL) for a log line: control
 * characters, DEL, '\\' and '"' are escaped (\n, \t, \xHH, \\, \"), and
 * input beyond max bytes is replaced by "...".  out must hold
 * text_log_size(max) bytes.  Returns out.
 */
char *text_log(const char *s, size_t len, size_t max, char *out);
#define text_log_size(max)	((max) * 4 + 4)

/* text_log of a NUL-terminated string with TEXT_LOG_MAX, into a static-free buffer */
#define TEXT_LOG_BUF		text_log_size(TEXT_LOG_MAX)

/* text_log of the NUL-terminated s (NULL: "") with TEXT_LOG_MAX */
char *text_log_str(const char *s, char *out);

/*
 * TEXT_LOGSTR(s): text_log_str into a buffer of the enclosing block (a
 * compound literal), for the arguments of a log call or a diagnostic:
 *	pmNotifyErr(LOG_INFO, "... \"%s\"", TEXT_LOGSTR(text));
 */
#define TEXT_LOGSTR(s)	text_log_str((s), (char[TEXT_LOG_BUF]){ 0 })

#endif /* PIPE_TEXT_H */
