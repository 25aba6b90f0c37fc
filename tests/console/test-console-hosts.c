/* test-console-hosts.c: console tunnels held to each pool host's own certificate
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * xapi-sim --per-host-certificates: every host serves a key and certificate
 * of its own and publishes it as a Certificate record of type "host"
 * (host.certificates), as xapi does.  The console of a VM is on the host it
 * runs on; these tests check that the tunnel goes there, trusts that host's
 * published certificate, and nothing else (libxapi only, no GTK).
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim-fixture.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-connection.h"
#include "xapi-console-tunnel.h"

#define WAIT_MS 20000

typedef struct {
  XapiSim            *sim;
  XapiTestConnection *conn;
  XapiCache          *cache;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (xapi_sim_path () == NULL)
    return;
  f->sim = xapi_sim_start ("--scenario", "demo", "--per-host-certificates", NULL);
  f->conn = xapi_test_connect_pinned (f->sim, NULL, NULL);
  f->cache = xapi_connection_get_cache (f->conn);
}

static gboolean
no_bridges (gpointer data)
{
  return xapi_console_tunnel_get_n_bridges () == 0;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->sim == NULL)
    return;
  g_assert_true (xapi_test_wait_for (no_bridges, NULL, WAIT_MS));
  g_clear_pointer (&f->conn, xapi_test_connection_close);
  xapi_sim_stop (f->sim);
}

/* The URL of the simulated host at @address (READY or MEMBER line). */
static const char *
host_url (Fixture    *f,
          const char *address)
{
  g_autoptr(GUri) master = g_uri_parse (f->sim->url, G_URI_FLAGS_NONE, NULL);

  if (g_strcmp0 (g_uri_get_host (master), address) == 0)
    return f->sim->url;
  for (guint i = 0; i < f->sim->member_urls->len; i++)
    {
      g_autoptr(GUri) member = g_uri_parse (g_ptr_array_index (f->sim->member_urls, i), G_URI_FLAGS_NONE, NULL);

      if (g_strcmp0 (g_uri_get_host (member), address) == 0)
        return g_ptr_array_index (f->sim->member_urls, i);
    }
  return NULL;
}

/* A running VM that is not on the master, and its console location. */
static XapiVm *
member_vm (Fixture     *f,
           const char **location,
           XapiHost   **host)
{
  GListModel *vms = xapi_cache_get_objects (f->cache, XAPI_TYPE_VM);
  XapiObject *master = xapi_cache_get_master (f->cache);

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      g_autoptr(GPtrArray) consoles = NULL;

      if (xapi_vm_get_is_control_domain (vm) || xapi_vm_get_power_state (vm) != XAPI_VM_POWER_STATE_RUNNING ||
          g_strcmp0 (xapi_vm_get_resident_on (vm), xapi_object_get_ref (master)) == 0)
        continue;
      consoles = xapi_cache_follow_set (f->cache, XAPI_OBJECT (vm), "consoles");
      for (guint k = 0; consoles != NULL && k < consoles->len; k++)
        {
          XapiConsole *console = g_ptr_array_index (consoles, k);

          if (xapi_console_get_protocol (console) == XAPI_CONSOLE_PROTOCOL_RFB)
            {
              *location = xapi_console_get_location (console);
              *host = XAPI_HOST (xapi_cache_follow (f->cache, XAPI_OBJECT (vm), "resident_on"));
              return vm;
            }
        }
    }
  return NULL;
}

static guint64
console_requests (Fixture *f)
{
  return (guint64) xapi_sim_stat (f->sim, "console_requests");
}

typedef struct {
  int      fd;
  GString *got;
  gboolean eof;
} BannerCheck;

/* Non-blocking: the bridge runs in this thread's main loop. */
static gboolean
got_banner (gpointer data)
{
  BannerCheck *bc = data;
  char buf[64];
  ssize_t n = recv (bc->fd, buf, sizeof buf, MSG_DONTWAIT);

  if (n > 0)
    g_string_append_len (bc->got, buf, n);
  else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
    bc->eof = TRUE;
  return bc->got->len >= 12 || bc->eof;
}

/* The fd carries RFB from the VM's console: its ProtocolVersion banner. */
static void
assert_rfb (int fd)
{
  BannerCheck bc = { fd, g_string_new (NULL), FALSE };

  g_assert_cmpint (fd, >=, 0);
  g_assert_true (xapi_test_wait_for (got_banner, &bc, WAIT_MS));
  g_assert_false (bc.eof);
  g_assert_true (g_str_has_prefix (bc.got->str, "RFB 003.00"));
  g_string_free (bc.got, TRUE);
  close (fd);
}

static int
open_for_connection (Fixture     *f,
                     const char  *location,
                     GError     **error)
{
  GAsyncResult *result = NULL;
  int fd;

  xapi_console_tunnel_open_for_connection_async (f->conn, location, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  fd = xapi_console_tunnel_open_for_connection_finish (result, error);
  g_object_unref (result);
  return fd;
}

static int
open_with_pin (Fixture     *f,
               const char  *location,
               const char  *pin,
               GError     **error)
{
  GAsyncResult *result = NULL;
  int fd;

  xapi_console_tunnel_open_async (location, xapi_connection_get_session_ref (f->conn), pin, NULL,
                                  xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  fd = xapi_console_tunnel_open_finish (result, error);
  g_object_unref (result);
  return fd;
}

/* Refused in the handshake: a clear error naming the host, no tunnel, and
 * no request (so no session) ever reached the simulator. */
static void
assert_refused (Fixture    *f,
                int         fd,
                GError     *error,
                const char *address,
                guint64     requests_before)
{
  g_assert_cmpint (fd, <, 0);
  g_assert_error (error, XAPI_CONSOLE_TUNNEL_ERROR, XAPI_CONSOLE_TUNNEL_ERROR_UNTRUSTED);
  g_assert_nonnull (strstr (error->message, address));
  g_assert_nonnull (strstr (error->message, "not trusted"));
  g_assert_null (strstr (error->message, "OpaqueRef"));
  g_assert_cmpuint (xapi_console_tunnel_get_n_bridges (), ==, 0);
  g_assert_cmpuint (console_requests (f), ==, requests_before);
}

static char *
location_at (Fixture    *f,
             const char *address)
{
  g_autoptr(GUri) master = g_uri_parse (f->sim->url, G_URI_FLAGS_NONE, NULL);

  return g_strdup_printf ("https://%s:%d/console?uuid=00000000-0000-0000-0000-000000000000", address,
                          g_uri_get_port (master));
}

/* Every host publishes the certificate it serves, each a different one. */
static void
test_published (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GListModel *hosts;
  g_autofree char *stranger = NULL;

  if (xapi_test_skip_without_sim ())
    return;
  hosts = xapi_cache_get_objects (f->cache, XAPI_TYPE_HOST);
  g_assert_cmpuint (g_list_model_get_n_items (hosts), ==, 3);
  for (guint i = 0; i < g_list_model_get_n_items (hosts); i++)
    {
      g_autoptr(XapiHost) host = g_list_model_get_item (hosts, i);
      const char *address = xapi_host_get_address (host);
      g_autofree char *served = xapi_sim_fetch_fingerprint (f->sim, host_url (f, address));
      g_autofree char *location = location_at (f, address);
      g_autofree char *pin = xapi_console_tunnel_lookup_pin (f->conn, location);
      g_autoptr(GPtrArray) certificates = xapi_cache_follow_set (f->cache, XAPI_OBJECT (host), "certificates");
      XapiCertificate *certificate;

      g_assert_nonnull (served);
      g_assert_cmpstr (pin, ==, served);
      g_assert_false (g_hash_table_contains (seen, served));
      g_hash_table_add (seen, g_steal_pointer (&served));

      /* the record as xapi has it */
      g_assert_nonnull (certificates);
      g_assert_cmpuint (certificates->len, ==, 1);
      certificate = g_ptr_array_index (certificates, 0);
      g_assert_cmpint (xapi_certificate_get_type_field (certificate), ==, XAPI_CERTIFICATE_TYPE_HOST);
      g_assert_cmpstr (xapi_certificate_get_host (certificate), ==, xapi_object_get_ref (XAPI_OBJECT (host)));
      g_assert_cmpstr (xapi_certificate_get_fingerprint_sha256 (certificate), ==, pin);
      g_assert_cmpstr (xapi_certificate_get_fingerprint (certificate), ==, pin);
      g_assert_cmpuint (strlen (xapi_certificate_get_fingerprint_sha1 (certificate)), ==, 20 * 3 - 1);
      g_assert_true (g_date_time_compare (xapi_certificate_get_not_before (certificate),
                                          xapi_certificate_get_not_after (certificate)) < 0);
    }
  /* the master's entry is the certificate the RPC channel pinned */
  g_assert_true (g_hash_table_contains (seen, f->sim->fingerprint));

  /* an address that is no host of the pool: nothing to pin */
  stranger = location_at (f, "127.0.0.99");
  g_assert_null (xapi_console_tunnel_lookup_pin (f->conn, stranger));
}

/* A VM on a member: reached through the member, with the member's pin. */
static void
test_member (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *served = NULL;
  const char *location = NULL;
  XapiHost *host = NULL;
  guint64 before;

  if (xapi_test_skip_without_sim ())
    return;
  g_assert_nonnull (member_vm (f, &location, &host));
  uri = g_uri_parse (location, G_URI_FLAGS_NONE, NULL);
  g_assert_cmpstr (g_uri_get_host (uri), ==, xapi_host_get_address (host));

  served = xapi_sim_fetch_fingerprint (f->sim, host_url (f, xapi_host_get_address (host)));
  pin = xapi_console_tunnel_lookup_pin (f->conn, location);
  g_assert_cmpstr (pin, ==, served);
  g_assert_cmpstr (pin, !=, f->sim->fingerprint);

  before = console_requests (f);
  assert_rfb (open_for_connection (f, location, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (console_requests (f), ==, before + 1);

  /* the member's own pin, given explicitly, works too */
  assert_rfb (open_with_pin (f, location, served, &error));
  g_assert_no_error (error);
}

/* The master's pin is no good at a member with another certificate, nor
 * is a pin that differs from the member's in one digit. */
static void
test_master_pin_refused (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = NULL;
  const char *location = NULL;
  XapiHost *host = NULL;
  guint64 before;
  int fd;

  if (xapi_test_skip_without_sim ())
    return;
  g_assert_nonnull (member_vm (f, &location, &host));
  before = console_requests (f);

  fd = open_with_pin (f, location, f->sim->fingerprint, &error);
  assert_refused (f, fd, error, xapi_host_get_address (host), before);
  g_clear_error (&error);

  pin = xapi_console_tunnel_lookup_pin (f->conn, location);
  pin[0] = pin[0] == 'A' ? 'B' : 'A';
  fd = open_with_pin (f, location, pin, &error);
  assert_refused (f, fd, error, xapi_host_get_address (host), before);
}

typedef struct {
  Fixture    *f;
  const char *location;
  const char *pin;
} PinCheck;

static gboolean
pin_is (gpointer data)
{
  PinCheck *pc = data;
  g_autofree char *pin = xapi_console_tunnel_lookup_pin (pc->f->conn, pc->location);

  return g_strcmp0 (pin, pc->pin) == 0;
}

/* The member's certificate changes.  Unannounced (an impostor, or a change
 * the pool does not know of): refused.  Announced in its Certificate
 * record (host.refresh_server_certificate): trusted again. */
static void
test_changed (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) reply2 = NULL;
  g_autofree char *body = NULL;
  g_autofree char *old_pin = NULL;
  const char *location = NULL;
  XapiHost *host = NULL;
  PinCheck pc;
  guint64 before;
  int fd;

  if (xapi_test_skip_without_sim ())
    return;
  g_assert_nonnull (member_vm (f, &location, &host));
  old_pin = xapi_console_tunnel_lookup_pin (f->conn, location);
  assert_rfb (open_for_connection (f, location, &error));
  g_assert_no_error (error);

  body = g_strdup_printf ("{\"host\":\"%s\",\"publish\":false}", xapi_host_get_name_label (host));
  reply = xapi_sim_control (f->sim, "/replace-certificate", body);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (reply), "fingerprint_sha256"), !=, old_pin);
  before = console_requests (f);
  fd = open_for_connection (f, location, &error);
  assert_refused (f, fd, error, xapi_host_get_address (host), before);
  g_clear_error (&error);

  g_free (body);
  body = g_strdup_printf ("{\"host\":\"%s\"}", xapi_host_get_name_label (host));
  reply2 = xapi_sim_control (f->sim, "/replace-certificate", body);
  pc = (PinCheck) { f, location, json_object_get_string_member (json_node_get_object (reply2), "fingerprint_sha256") };
  g_assert_true (xapi_test_wait_for (pin_is, &pc, WAIT_MS));
  assert_rfb (open_for_connection (f, location, &error));
  g_assert_no_error (error);
}

/* A server without Certificate records (before XenServer 8.2): the pin
 * comes from host.get_server_certificate. */
static gboolean
no_pin (gpointer data)
{
  PinCheck *pc = data;
  g_autofree char *pin = xapi_console_tunnel_lookup_pin (pc->f->conn, pc->location);

  return pin == NULL;
}

static void
test_server_certificate (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *body = NULL;
  const char *location = NULL;
  XapiHost *host = NULL;
  PinCheck pc;

  if (xapi_test_skip_without_sim ())
    return;
  g_assert_nonnull (member_vm (f, &location, &host));

  body = g_strdup_printf ("{\"class\":\"host\",\"ref\":\"%s\",\"field\":\"certificates\",\"value\":[]}",
                          xapi_object_get_ref (XAPI_OBJECT (host)));
  reply = xapi_sim_control (f->sim, "/mutate", body);
  pc = (PinCheck) { f, location, NULL };
  g_assert_true (xapi_test_wait_for (no_pin, &pc, WAIT_MS));

  assert_rfb (open_for_connection (f, location, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/console/hosts/published", test_published);
  ADD ("/console/hosts/member", test_member);
  ADD ("/console/hosts/master-pin-refused", test_master_pin_refused);
  ADD ("/console/hosts/changed", test_changed);
  ADD ("/console/hosts/server-certificate", test_server_certificate);
#undef ADD

  return g_test_run ();
}
