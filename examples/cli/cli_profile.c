/* SPDX-License-Identifier: MIT */
/* Profiles: the settings used on every run (tenant, client id, authority,
 * scope, ADME URL, ...) in $XDG_CONFIG_HOME/edgetoken/config, so that a
 * command line needs only what changes. The file holds no secrets: a key
 * like client-secret is refused (only *-file paths); it is refused too when
 * others may write it (they could point ca-file at their own CA), and
 * `config set` replaces it atomically, 0600, never through a symlink. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define CONFIG_MAX (16 * 1024)
#define CONFIG_PATH_MAX 1024

bool cli_config_path(char *buf, size_t cap) {
  const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
  int n;
  /* XDG: a relative XDG_CONFIG_HOME is invalid and ignored */
  if (xdg && xdg[0] == '/')
    n = snprintf(buf, cap, "%s/edgetoken/config", xdg);
  else if (home && home[0] == '/')
    n = snprintf(buf, cap, "%s/.config/edgetoken/config", home);
  else
    return false;
  return n > 0 && (size_t)n < cap;
}

/* n bytes of p to fd, through short writes and EINTR. */
static bool write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return false;
    p += k;
    n -= (size_t)k;
  }
  return true;
}

/* The file into buf (NUL-terminated): 1 read, 0 missing, -1 refused or
 * unreadable (printed). */
static int read_config(const char *path, char *buf, size_t cap) {
  struct stat st;
  size_t n = 0;
  int fd;
  do /* POSIX lets open fail with EINTR when a signal arrives */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  while (fd < 0 && errno == EINTR);
  if (fd < 0 && errno == ENOENT)
    return 0;
  if (fd < 0) {
    fprintf(stderr, "edgetoken: cannot read %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    fprintf(stderr, "edgetoken: %s is not a regular file\n", path);
    close(fd);
    return -1;
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) || (st.st_uid != geteuid() && st.st_uid != 0)) {
    fprintf(stderr, "edgetoken: %s is writable by other users or not yours: refused "
            "(chmod 600 it)\n", path);
    close(fd);
    return -1;
  }
  for (;;) {
    ssize_t r = read(fd, buf + n, cap - 1 - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      fprintf(stderr, "edgetoken: cannot read %s: %s\n", path, strerror(errno));
      close(fd);
      return -1;
    }
    if (r == 0)
      break;
    n += (size_t)r;
    if (n == cap - 1) {
      fprintf(stderr, "edgetoken: %s is larger than %zu bytes\n", path, cap - 2);
      close(fd);
      return -1;
    }
  }
  close(fd);
  if (memchr(buf, '\0', n) != NULL) { /* else the rest would be silently cut */
    fprintf(stderr, "edgetoken: %s is not a text file (NUL byte)\n", path);
    return -1;
  }
  buf[n] = '\0';
  return 1;
}

static char *trim(char *s, char *end) {
  while (s < end && (*s == ' ' || *s == '\t'))
    s++;
  while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    end--;
  *end = '\0';
  return s;
}

static bool name_ok(const char *s) {
  if (!*s)
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '-' || *s == '_' || *s == '.'))
      return false;
  return true;
}

/* A key a profile may hold, or NULL after printing why (where: "path:line"). */
static const cli_option *profile_key(const char *key, const char *where) {
  const cli_option *opt = cli_option_named(key, strlen(key));
  if (strstr(key, "secret") || strstr(key, "password") || !strcmp(key, "refresh-token")) {
    if (opt == NULL || !(opt->flags & CLI_OPT_PROFILE)) {
      fprintf(stderr, "edgetoken: %s: %s: secrets are not kept in the config file (plain "
              "text); use client-secret-file = PATH or EDGETOKEN_CLIENT_SECRET\n", where, key);
      return NULL;
    }
  }
  if (opt == NULL) {
    const char *s = cli_option_suggest(key, strlen(key));
    fprintf(stderr, "edgetoken: %s: unknown key '%s'", where, key);
    if (s)
      fprintf(stderr, "; did you mean %s?\n", s);
    else
      fputs(" (the keys are the long options: tenant, client-id, ...)\n", stderr);
    return NULL;
  }
  if (!(opt->flags & CLI_OPT_PROFILE)) {
    fprintf(stderr, "edgetoken: %s: %s belongs on the command line, not in a profile\n", where,
            key);
    return NULL;
  }
  return opt;
}

/* One line of the file, split in place: a section ([default], [profile N]
 * or [N]: *section set), a key and value (*key, *value), or nothing
 * (blank, # or ; comment). False after printing why. */
static bool parse_line(char *line, char *end, const char *where, char **section, char **key,
                       char **value) {
  char *s = trim(line, end), *eq;
  *section = *key = *value = NULL;
  if (*s == '\0' || *s == '#' || *s == ';')
    return true;
  if (*s == '[') {
    size_t n = strlen(s);
    if (s[n - 1] != ']') {
      fprintf(stderr, "edgetoken: %s: a section is [NAME] or [profile NAME]\n", where);
      return false;
    }
    s = trim(s + 1, s + n - 1);
    if (!strncmp(s, "profile", 7) && (s[7] == ' ' || s[7] == '\t'))
      s = trim(s + 8, s + strlen(s));
    if (!name_ok(s)) {
      fprintf(stderr, "edgetoken: %s: a profile name is letters, digits, '-', '_' or '.'\n",
              where);
      return false;
    }
    *section = s;
    return true;
  }
  eq = strchr(s, '=');
  if (eq == NULL) {
    fprintf(stderr, "edgetoken: %s: expected KEY = VALUE or [profile NAME]\n", where);
    return false;
  }
  *key = trim(s, eq);
  *value = trim(eq + 1, eq + 1 + strlen(eq + 1));
  return true;
}

/* Walk text (split in place): every key checked, those of section name
 * handed to fn (when not NULL). 1: the section is there, 0: not, -1: error. */
static int walk(char *text, const char *path, const char *name, cli_profile_fn fn, void *ctx) {
  unsigned line = 0;
  bool in = false, found = false;
  for (char *s = text; *s;) {
    char *end = s + strcspn(s, "\n"), *next = *end ? end + 1 : end;
    char *section, *key, *value, where[CONFIG_PATH_MAX + 64];
    const cli_option *opt;
    snprintf(where, sizeof where, "%s:%u", path, ++line);
    if (!parse_line(s, end, where, &section, &key, &value))
      return -1;
    s = next;
    if (section) {
      in = !strcmp(section, name);
      found |= in;
      continue;
    }
    if (key == NULL)
      continue;
    if ((opt = profile_key(key, where)) == NULL)
      return -1;
    if (*value == '\0' || !strcmp(value, "-")) {
      fprintf(stderr, "edgetoken: %s: %s needs a value (stdin, '-', is for the command line)\n",
              where, key);
      return -1;
    }
    snprintf(where + strlen(where), sizeof where - strlen(where), ": %s", key);
    if (!cli_option_value_ok(opt, value, where))
      return -1;
    if (in && fn && !fn(ctx, opt, value))
      return -1;
  }
  return found;
}

int cli_profile_load(const char *name, bool named, cli_profile_fn fn, void *ctx) {
  static char text[CONFIG_MAX]; /* the values point into it until exit */
  char path[CONFIG_PATH_MAX];
  int r;
  if (!name_ok(name)) {
    fputs("edgetoken: a profile name is letters, digits, '-', '_' or '.'\n", stderr);
    return CLI_EXIT_USAGE;
  }
  if (!cli_config_path(path, sizeof path)) {
    if (!named)
      return CLI_EXIT_OK;
    fputs("edgetoken: no config file: neither XDG_CONFIG_HOME nor HOME is set\n", stderr);
    return CLI_EXIT_USAGE;
  }
  r = read_config(path, text, sizeof text);
  if (r > 0)
    r = walk(text, path, name, fn, ctx);
  if (r < 0)
    return CLI_EXIT_USAGE;
  if (r == 0 && named) {
    fprintf(stderr, "edgetoken: no profile '%s' in %s (edgetoken config set KEY VALUE "
            "--profile %s makes one)\n", name, path, name);
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

/* --- edgetoken config set|unset|show ------------------------------------------ */

static bool show_one(void *ctx, const cli_option *opt, const char *value) {
  (void)ctx;
  printf("%s = %s\n", opt->name, value);
  return true;
}

/* Write text to path: a new 0600 file beside it (O_EXCL, O_NOFOLLOW), then
 * rename over it, so a reader never sees half a file. */
static bool write_atomic(const char *path, const char *text, size_t n) {
  char dir[CONFIG_PATH_MAX], tmp[CONFIG_PATH_MAX + 32];
  char *slash;
  int fd;
  bool ok;
  snprintf(dir, sizeof dir, "%s", path);
  slash = strrchr(dir, '/');
  *slash = '\0';
  if (mkdir(dir, 0700) != 0 && errno == ENOENT) { /* ~/.config itself */
    char *up = strrchr(dir, '/');
    *up = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
      fprintf(stderr, "edgetoken: cannot create %s: %s\n", dir, strerror(errno));
      return false;
    }
    *up = '/';
    (void)mkdir(dir, 0700);
  }
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  do
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    fprintf(stderr, "edgetoken: cannot write %s: %s\n", tmp, strerror(errno));
    return false;
  }
  ok = write_all(fd, text, n);
  while (ok && fsync(fd) != 0)
    ok = errno == EINTR;
  /* close after fsync: EINTR is no failure (Linux has closed it). */
  ok = (close(fd) == 0 || errno == EINTR) && ok;
  if (ok && rename(tmp, path) != 0)
    ok = false;
  if (!ok) {
    fprintf(stderr, "edgetoken: cannot write %s: %s\n", path, strerror(errno));
    unlink(tmp);
    return false;
  }
  if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) { /* the rename, durable */
    (void)fsync(fd);
    close(fd);
  }
  return true;
}

static bool append(char *out, size_t *n, size_t cap, const char *s, size_t len) {
  if (*n + len >= cap)
    return false;
  memcpy(out + *n, s, len);
  *n += len;
  return true;
}

/* old with key set to value (NULL: removed) in section name, into out. */
static bool edit(const char *old, const char *path, const char *name, const char *key,
                 const char *value, char *out, size_t cap, size_t *n) {
  static char line[CONFIG_MAX];
  const char *insert_at = NULL; /* after the section's last key */
  bool in = false, done = false;
  unsigned no = 0;
  char kv[CONFIG_MAX], where[CONFIG_PATH_MAX + 16];
  size_t kvn = value ? (size_t)snprintf(kv, sizeof kv, "%s = %s\n", key, value) : 0;
  *n = 0;
  for (const char *s = old; *s;) {
    size_t len = strcspn(s, "\n") + (s[strcspn(s, "\n")] == '\n');
    char *section, *k, *v;
    memcpy(line, s, len);
    line[len] = '\0';
    snprintf(where, sizeof where, "%s:%u", path, ++no);
    if (!parse_line(line, line + strcspn(line, "\n"), where, &section, &k, &v))
      return false;
    if (section)
      in = !strcmp(section, name);
    if (in && k && !strcmp(k, key)) { /* replaced once, duplicates dropped */
      if (!done && !append(out, n, cap, kv, kvn))
        return false;
      done = true;
    } else if (!append(out, n, cap, s, len)) {
      return false;
    }
    if (in && (section || k))
      insert_at = out + *n;
    s += len;
  }
  if (done || value == NULL)
    return true;
  if (insert_at) { /* at the end of the section's lines */
    size_t at = (size_t)(insert_at - out);
    if (out[at - 1] != '\n' && !append(out, n, cap, "\n", 1))
      return false;
    at += out[at - 1] != '\n';
    if (*n + kvn >= cap)
      return false;
    memmove(out + at + kvn, out + at, *n - at);
    memcpy(out + at, kv, kvn);
    *n += kvn;
    return true;
  }
  if (*n && out[*n - 1] != '\n' && !append(out, n, cap, "\n", 1))
    return false;
  if (*n && !append(out, n, cap, "\n", 1))
    return false;
  snprintf(line, sizeof line, !strcmp(name, "default") ? "[%s]\n" : "[profile %s]\n", name);
  return append(out, n, cap, line, strlen(line)) && append(out, n, cap, kv, kvn);
}

static int config_usage(void) {
  fputs("edgetoken: usage: edgetoken config set KEY VALUE | unset KEY | show "
        "[--profile NAME]\n", stderr);
  return CLI_EXIT_USAGE;
}

int cli_cmd_config(const cli_opts *o) {
  static char old[CONFIG_MAX], check[CONFIG_MAX], out[CONFIG_MAX];
  const char *name = o->profile ? o->profile : "default", *verb = o->nargs ? o->args[0] : "";
  const char *key = o->nargs > 1 ? o->args[1] : NULL, *value = o->nargs > 2 ? o->args[2] : NULL;
  const cli_option *opt;
  char path[CONFIG_PATH_MAX];
  size_t n;
  int r;
  if (!strcmp(verb, "show") && o->nargs == 1) {
    if (cli_profile_load(name, o->profile != NULL, NULL, NULL) != CLI_EXIT_OK)
      return CLI_EXIT_USAGE;
    if (cli_config_path(path, sizeof path))
      printf("# %s\n", path);
    printf(!strcmp(name, "default") ? "[%s]\n" : "[profile %s]\n", name);
    return cli_profile_load(name, false, show_one, NULL);
  }
  if (!((!strcmp(verb, "set") && o->nargs == 3) || (!strcmp(verb, "unset") && o->nargs == 2)))
    return config_usage();
  if (!cli_config_path(path, sizeof path)) {
    fputs("edgetoken: no config file: neither XDG_CONFIG_HOME nor HOME is set\n", stderr);
    return CLI_EXIT_USAGE;
  }
  if (!name_ok(name)) {
    fputs("edgetoken: a profile name is letters, digits, '-', '_' or '.'\n", stderr);
    return CLI_EXIT_USAGE;
  }
  if ((opt = profile_key(key, "config")) == NULL)
    return CLI_EXIT_USAGE;
  if (value && (value[0] == '\0' || !strcmp(value, "-") || strpbrk(value, "\n\r") ||
                !cli_option_value_ok(opt, value, key))) {
    if (value[0] == '\0' || !strcmp(value, "-") || strpbrk(value, "\n\r"))
      fprintf(stderr, "edgetoken: %s needs a value on one line (not '-')\n", key);
    return CLI_EXIT_USAGE;
  }
  /* The file as it is must be valid: the edit keeps every other line. */
  r = read_config(path, old, sizeof old);
  if (r < 0)
    return CLI_EXIT_USAGE;
  if (r == 0)
    old[0] = '\0';
  memcpy(check, old, sizeof check);
  if (walk(check, path, name, NULL, NULL) < 0)
    return CLI_EXIT_USAGE;
  if (!edit(old, path, name, opt->name, value, out, sizeof out, &n)) {
    fprintf(stderr, "edgetoken: %s would grow past %u bytes\n", path, (unsigned)CONFIG_MAX);
    return CLI_EXIT_USAGE;
  }
  return write_atomic(path, out, n) ? CLI_EXIT_OK : CLI_EXIT_INTERNAL;
}
