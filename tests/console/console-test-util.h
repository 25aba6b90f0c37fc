/* console-test-util.h: helpers for the console tests (test server, waiting)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CONSOLE_TEST_SESSION "OpaqueRef:console-test-session"
#define CONSOLE_TEST_TIMEOUT_S 15

typedef struct {
  GSubprocess      *process;
  GDataInputStream *out;
  GOutputStream    *in;
  GPtrArray        *lines;   /* everything read from stdout so far */
  guint             consumed; /* lines before this index were matched already */
  guint             https_port;
  guint             http_port;
  guint             rfb_port;
  gboolean          exited;
} TestServer;

/* Start vnc-test-server with TLS (test certificate), session
 * CONSOLE_TEST_SESSION and @extra_args (space-separated, or NULL); waits
 * for its READY line. */
TestServer *test_server_start     (const char *extra_args);
void        test_server_stop      (TestServer *server);
void        test_server_command   (TestServer *server,
                                   const char *command);
/* Wait until a line (not matched before) starts with @prefix; returns it
 * (owned by the server) or NULL at the deadline.  Marks it matched. */
const char *test_server_wait_line (TestServer *server,
                                   const char *prefix);
/* Same, but only looks at lines containing @substring. */
const char *test_server_wait_substring (TestServer *server,
                                        const char *substring);
char       *test_server_location  (TestServer *server,
                                   gboolean    tls);

/* SHA-256 pin of the test certificate ("AB:CD:..."). */
char       *test_certificate_pin  (void);

/* Iterate the default main context until *flag is TRUE or the deadline. */
gboolean    test_wait_flag        (const gboolean *flag);

typedef gboolean (*TestCondition) (gpointer data);
gboolean    test_wait_condition   (TestCondition condition,
                                   gpointer      data);

G_END_DECLS
