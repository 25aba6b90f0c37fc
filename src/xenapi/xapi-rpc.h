/* xapi-rpc.h: JSON-RPC transport to one xapi host
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An XapiRpc posts JSON-RPC 2.0 requests to <base-uri>/jsonrpc over one
 * libsoup session (keep-alive, several calls in flight).  Every call has
 * its own timeout and cancellable.  Replies are read with the streaming
 * reader in xapi-json.h; both JSON-RPC versions and every error shape real
 * xapi sends are understood (xapi-protocol.md §1.3–1.4).  Bulk replies are
 * parsed off the main thread.
 *
 * Errors: XAPI_ERROR_* for API failures (code + params), XAPI_ERROR_HTTP
 * for a status other than 200, XAPI_ERROR_PROTOCOL for a reply that is not
 * JSON-RPC, G_IO_ERROR_TIMED_OUT when the timeout expires,
 * G_IO_ERROR_CANCELLED, G_TLS_ERROR when the certificate is refused, and
 * the GIO/soup errors of the transport.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "xapi-json.h"

G_BEGIN_DECLS

#define XAPI_TYPE_RPC (xapi_rpc_get_type ())
G_DECLARE_FINAL_TYPE (XapiRpc, xapi_rpc, XAPI, RPC, GObject)

/* Called (on the thread that started the call) when the server's
 * certificate is not trusted by the system; return TRUE to accept it. */
typedef gboolean (*XapiRpcCertificateFunc) (XapiRpc              *rpc,
                                            GTlsCertificate      *certificate,
                                            const char           *fingerprint,
                                            GTlsCertificateFlags  errors,
                                            gpointer              user_data);

/* Parses the "result" value (the reader is positioned on it) in a worker
 * thread.  Returns the parsed result or NULL with @error set. */
typedef gpointer (*XapiRpcResultParser) (XapiJsonReader  *reader,
                                         gpointer         user_data,
                                         GError         **error);

XapiRpc    *xapi_rpc_new                   (const char              *base_uri);
const char *xapi_rpc_get_base_uri          (XapiRpc                 *self);
void        xapi_rpc_set_certificate_func  (XapiRpc                 *self,
                                            XapiRpcCertificateFunc   func,
                                            gpointer                 user_data,
                                            GDestroyNotify           destroy);
/* The certificate the server presented on the last TLS handshake, or NULL. */
GTlsCertificate *xapi_rpc_get_peer_certificate (XapiRpc          *self);

/* @params: transfer full.  @timeout_ms: 0 for none. */
void        xapi_rpc_call_async            (XapiRpc                 *self,
                                            const char              *method,
                                            JsonArray               *params,
                                            guint                    timeout_ms,
                                            GCancellable            *cancellable,
                                            GAsyncReadyCallback      callback,
                                            gpointer                 user_data);
JsonNode   *xapi_rpc_call_finish           (XapiRpc                 *self,
                                            GAsyncResult            *result,
                                            GError                 **error);

void        xapi_rpc_call_parsed_async     (XapiRpc                 *self,
                                            const char              *method,
                                            JsonArray               *params,
                                            guint                    timeout_ms,
                                            XapiRpcResultParser      parser,
                                            gpointer                 parser_data,
                                            GDestroyNotify           result_free,
                                            GCancellable            *cancellable,
                                            GAsyncReadyCallback      callback,
                                            gpointer                 user_data);
gpointer    xapi_rpc_call_parsed_finish    (XapiRpc                 *self,
                                            GAsyncResult            *result,
                                            GError                 **error);

/* Decode a complete JSON-RPC response body (exposed for tests and fuzzing).
 * With @parser NULL the result is returned as a JsonNode. */
gpointer    xapi_rpc_decode_response       (const char              *body,
                                            gsize                    length,
                                            XapiRpcResultParser      parser,
                                            gpointer                 parser_data,
                                            GDestroyNotify           result_free,
                                            GError                 **error);

/* "AB:CD:…" (upper case), the SHA-256 of the certificate's DER bytes. */
char       *xapi_certificate_sha256_fingerprint (GTlsCertificate *certificate);

/* Decode an XML-RPC <value> fragment (task results) into a JSON tree:
 * untyped and <string> values become strings, <int>/<i4>/<i8> int64,
 * <double> doubles, <boolean> booleans, <dateTime.iso8601> strings,
 * <array> arrays, <struct> objects, <nil/> null. */
JsonNode   *xapi_xmlrpc_value_parse        (const char              *fragment,
                                            GError                 **error);

/* Makes the process's default TLS database one that trusts no certificate
 * authority.  libxapi never trusts a CA: every channel it opens is pinned.
 * But glib-networking builds each TLS connection with the default database
 * before libsoup (or the console tunnel) can say it wants none, and the
 * system's database then parses the system CA bundle again: 10-25 ms on
 * the thread that connects, which for libsoup is the main loop.  An
 * application whose TLS is all libxapi's calls this once, before it
 * connects.  g_tls_backend_set_default_database (backend, NULL) undoes it. */
void            xapi_tls_trust_no_authority   (void);

G_END_DECLS
