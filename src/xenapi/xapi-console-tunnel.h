/* xapi-console-tunnel.h: HTTP CONNECT tunnel to a XenAPI /console (RFB)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "xapi-connection.h"

G_BEGIN_DECLS

#define XAPI_CONSOLE_TUNNEL_ERROR (xapi_console_tunnel_error_quark ())
GQuark xapi_console_tunnel_error_quark (void);

typedef enum {
  XAPI_CONSOLE_TUNNEL_ERROR_INVALID_LOCATION, /* console.location is not an http(s) URL */
  XAPI_CONSOLE_TUNNEL_ERROR_UNTRUSTED,        /* certificate neither trusted nor matching the pin */
  XAPI_CONSOLE_TUNNEL_ERROR_PROTOCOL,         /* malformed or oversized reply head, early EOF */
  XAPI_CONSOLE_TUNNEL_ERROR_UNAUTHORIZED,     /* 401: session invalid or expired */
  XAPI_CONSOLE_TUNNEL_ERROR_FORBIDDEN,        /* 403: RBAC denial (host consoles need pool-admin) */
  XAPI_CONSOLE_TUNNEL_ERROR_NOT_FOUND,        /* 404: the console has no address */
  XAPI_CONSOLE_TUNNEL_ERROR_SERVER,           /* 500: bad ref, VM not running on this host */
  XAPI_CONSOLE_TUNNEL_ERROR_BUSY,             /* 503: console connection limit reached */
  XAPI_CONSOLE_TUNNEL_ERROR_HTTP,             /* any other non-200 status */
} XapiConsoleTunnelError;

/* Open a console tunnel.
 *
 * @location is console.location ("https://host/console?uuid=..", optionally
 * with a port; "http://" for a simulator without TLS).  @session_ref is sent as
 * the session_id query parameter and as a Cookie; it never appears in logs or
 * error messages.  @pinned_sha256 is the certificate pin of the RPC channel
 * ("AB:CD:.." upper-case hex, compared case-insensitively): a certificate the
 * system does not trust is accepted only when its SHA-256 fingerprint matches
 * it; NULL accepts system-trusted certificates only.
 *
 * On success the finish function returns a file descriptor: one end of a
 * socketpair whose other end is bridged both ways to the TCP/TLS stream that
 * now carries raw RFB.  The caller owns the fd (give it to
 * vnc_connection_open_fd()).  Closing the fd, or the server closing its side,
 * stops the bridge and closes the network connection; nothing else needs to
 * be freed.  @cancellable covers the connect and handshake phase only.
 */
void xapi_console_tunnel_open_async  (const char          *location,
                                      const char          *session_ref,
                                      const char          *pinned_sha256,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
int  xapi_console_tunnel_open_finish (GAsyncResult        *result,
                                      GError             **error);

/* Open the console at @location for @connection: its session, and the pin
 * of the host in the location, learned through the connection (whose own
 * certificate the user pinned or the system trusts):
 *
 *  - the host the connection talks to: the connection's pin (or the
 *    certificate it accepted);
 *  - any other pool host: the SHA-256 fingerprint of that host's server
 *    certificate as the pool publishes it, its Certificate record of type
 *    "host" (host.certificates; xapi 1.290 / XenServer 8.2 and later) from
 *    the cache, so a changed certificate is trusted once xapi announces it;
 *  - a pool host without such a record (older servers): the certificate
 *    host.get_server_certificate returns for it;
 *  - an address that is no host of the pool: system trust only.
 *
 * Each host is held to its own pin: the master's certificate is refused at a
 * member that should have another.  The certificate check happens in the
 * TLS handshake, before the request (and the session in it) is sent. */
void xapi_console_tunnel_open_for_connection_async  (XapiConnection      *connection,
                                                     const char          *location,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
int  xapi_console_tunnel_open_for_connection_finish (GAsyncResult        *result,
                                                     GError             **error);

/* The pin xapi_console_tunnel_open_for_connection_async() uses for
 * @location, as far as the cache tells (no host.get_server_certificate
 * call): NULL when it does not know one. */
char *xapi_console_tunnel_lookup_pin (XapiConnection *connection,
                                      const char     *location);

/* SHA-256 fingerprint of @certificate as "AB:CD:..." (upper-case hex). */
char *xapi_console_tunnel_certificate_fingerprint (GTlsCertificate *certificate);

/* Number of bridges currently running in this process (for tests). */
guint xapi_console_tunnel_get_n_bridges (void);

G_END_DECLS
