/* test-transfer.c: XVA export/import (xapi-transfer.h) against the simulator
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "xapi-connection.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-error.h"
#include "xapi-transfer.h"
#include "sim-fixture.h"

#define WAIT_MS 30000

static XapiVm *
vm_named (XapiCache  *cache,
          const char *name)
{
  GListModel *vms = xapi_cache_get_objects (cache, XAPI_TYPE_VM);

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

      if (g_strcmp0 (xapi_vm_get_name_label (vm), name) == 0 && !xapi_object_is_gone (XAPI_OBJECT (vm)))
        return vm;   /* the cache keeps it alive */
    }
  return NULL;
}

static guint
n_vms_named (XapiCache  *cache,
             const char *name)
{
  GListModel *vms = xapi_cache_get_objects (cache, XAPI_TYPE_VM);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

      if (g_strcmp0 (xapi_vm_get_name_label (vm), name) == 0 && !xapi_object_is_gone (XAPI_OBJECT (vm)))
        n++;
    }
  return n;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* Names in @dir (sorted, joined by spaces). */
static char *
dir_listing (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *n;

  while (d && (n = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
rm_rf (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *n;

  while (d && (n = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, n, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

typedef struct {
  XapiCache  *cache;
  const char *ref;
} RefWait;

static gboolean
ref_present (gpointer data)
{
  RefWait *w = data;

  return xapi_cache_lookup (w->cache, w->ref) != NULL;
}

static gboolean
export_sync (XapiConnection     *conn,
             const char         *vm_ref,
             XapiXvaCompression  compression,
             GFile              *dest,
             GError            **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  xapi_export_vm_async (conn, vm_ref, "test export", compression, dest, TRUE, NULL, NULL, NULL,
                        xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  ok = xapi_export_vm_finish (conn, result, error);
  g_object_unref (result);
  return ok;
}

static char *
import_sync (XapiConnection *conn,
             GFile          *source,
             const char     *sr_ref,
             GError        **error)
{
  GAsyncResult *result = NULL;
  char *ref;

  xapi_import_vm_async (conn, source, sr_ref, "test import", NULL, NULL, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  ref = xapi_import_vm_finish (conn, result, error);
  g_object_unref (result);
  return ref;
}

static void
test_xxh64 (void)
{
  /* reference values of XXH64 with seed 0 */
  g_assert_cmphex (xapi_xxh64 ("", 0, 0), ==, G_GUINT64_CONSTANT (0xEF46DB3751D8E999));
  g_assert_cmphex (xapi_xxh64 ("abc", 3, 0), ==, G_GUINT64_CONSTANT (0x44BC2CF5AD770999));
}

/* A tar member (ustar header + padded data). */
static void
tar_add (GString    *tar,
         const char *name,
         const char *data,
         gsize       len)
{
  char hdr[512] = { 0 };
  guint sum = 0;

  g_strlcpy (hdr, name, 100);
  g_snprintf (hdr + 100, 8, "%07o", 0644);
  g_snprintf (hdr + 108, 8, "%07o", 0);
  g_snprintf (hdr + 116, 8, "%07o", 0);
  g_snprintf (hdr + 124, 12, "%011lo", (unsigned long) len);
  g_snprintf (hdr + 136, 12, "%011lo", 0ul);
  memset (hdr + 148, ' ', 8);
  hdr[156] = '0';
  memcpy (hdr + 257, "ustar", 6);
  memcpy (hdr + 263, "00", 2);
  for (guint i = 0; i < 512; i++)
    sum += (guchar) hdr[i];
  g_snprintf (hdr + 148, 8, "%06o", sum);
  g_string_append_len (tar, hdr, 512);
  g_string_append_len (tar, data, len);
  while (tar->len % 512)
    g_string_append_c (tar, '\0');
}

/* Current xapi writes .xxhash checksum files: verification reads them. */
static void
test_verify_xxhash (void)
{
  g_autofree char *dir = g_dir_make_tmp ("xva-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "x.xva", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  const char *ova = "<value><struct><member><name>version</name><value><struct></struct></value></member>"
                    "<member><name>objects</name><value><array><data><value><struct>"
                    "<member><name>class</name><value>VM</value></member>"
                    "<member><name>id</name><value>Ref:0</value></member>"
                    "<member><name>snapshot</name><value><struct><member><name>name_label</name>"
                    "<value>tiny &amp; old</value></member></struct></value></member>"
                    "</struct></value></data></array></value></member></struct></value>";
  char chunk[3000];
  g_autofree char *sum = NULL;
  GString *tar = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(XapiXvaInfo) info = NULL;

  for (guint i = 0; i < sizeof chunk; i++)
    chunk[i] = (char) (i * 7);
  sum = g_strdup_printf ("%016" G_GINT64_MODIFIER "X", xapi_xxh64 (chunk, sizeof chunk, 0));
  tar_add (tar, "ova.xml", ova, strlen (ova));
  tar_add (tar, "Ref:1/00000000", chunk, sizeof chunk);
  tar_add (tar, "Ref:1/00000000.xxhash", sum, strlen (sum));
  for (int i = 0; i < 1024; i++)
    g_string_append_c (tar, '\0');
  g_assert_true (g_file_set_contents (path, tar->str, tar->len, NULL));
  info = xapi_xva_verify (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->vm_name, ==, "tiny & old");
  g_assert_cmpuint (info->n_chunks, ==, 1);
  g_assert_cmpuint (info->n_disks, ==, 1);
  g_clear_pointer (&info, xapi_xva_info_free);

  /* one changed byte in the chunk */
  tar->str[1024 + 512 + 100] ^= 1;
  g_assert_true (g_file_set_contents (path, tar->str, tar->len, NULL));
  info = xapi_xva_verify (file, NULL, &error);
  g_assert_error (error, XAPI_TRANSFER_ERROR, XAPI_TRANSFER_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "checksum"));
  g_clear_error (&error);

  /* cut short: no end marker */
  tar->str[1024 + 512 + 100] ^= 1;
  g_assert_true (g_file_set_contents (path, tar->str, tar->len - 1024 - 100, NULL));
  info = xapi_xva_verify (file, NULL, &error);
  g_assert_error (error, XAPI_TRANSFER_ERROR, XAPI_TRANSFER_ERROR_DAMAGED);
  g_clear_error (&error);

  /* not a tar at all */
  g_assert_true (g_file_set_contents (path, "hello", 5, NULL));
  info = xapi_xva_verify (file, NULL, &error);
  g_assert_error (error, XAPI_TRANSFER_ERROR, XAPI_TRANSFER_ERROR_DAMAGED);
  g_clear_error (&error);

  g_string_free (tar, TRUE);
  rm_rf (dir);
}

static void
test_export_import (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autofree char *dir = g_dir_make_tmp ("xva-XXXXXX", NULL);
  static const XapiXvaCompression modes[] = { XAPI_XVA_COMPRESSION_NONE, XAPI_XVA_COMPRESSION_GZIP,
                                              XAPI_XVA_COMPRESSION_ZSTD };
  static const char *const names[] = { "plain.xva", "gzip.xva", "zstd.xva" };
  XapiCache *cache;
  XapiVm *vm;
  XapiObject *pool;
  const char *sr_ref;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "0.02", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  cache = xapi_connection_get_cache (conn);
  vm = vm_named (cache, "fileserver");
  g_assert_nonnull (vm);
  pool = xapi_cache_get_pool (cache);
  sr_ref = xapi_pool_get_default_sr (XAPI_POOL (pool));

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GError) error = NULL;
      g_autoptr(XapiXvaInfo) info = NULL;
      g_autofree char *new_ref = NULL;
      XapiObject *imported;

      g_assert_true (export_sync (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), modes[i], file, &error));
      g_assert_no_error (error);
      info = xapi_xva_verify (file, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (info->vm_name, ==, "fileserver");
      g_assert_cmpuint (info->n_vms, ==, 1);
      g_assert_cmpuint (info->n_disks, >=, 1);

      new_ref = import_sync (conn, file, sr_ref, &error);
      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (new_ref, "OpaqueRef:"));
      g_assert_cmpstr (new_ref, !=, xapi_object_get_ref (XAPI_OBJECT (vm)));
      /* the new VM arrives by event */
      {
        RefWait w = { cache, new_ref };
        g_assert_true (xapi_test_wait_for (ref_present, &w, WAIT_MS));
      }
      imported = xapi_cache_lookup (cache, new_ref);
      g_assert_nonnull (imported);
      g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (imported)), ==, "fileserver");
      g_assert_cmpint (xapi_vm_get_power_state (XAPI_VM (imported)), ==, XAPI_VM_POWER_STATE_HALTED);
    }
  {
    g_autofree char *listing = dir_listing (dir);
    g_assert_cmpstr (listing, ==, "gzip.xva plain.xva zstd.xva");   /* no temporary files left */
  }
  rm_rf (dir);
}

static void
test_export_refused (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autofree char *dir = g_dir_make_tmp ("xva-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "web.xva", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *damaged = g_build_filename (dir, "damaged.xva", NULL);
  g_autoptr(GFile) damaged_file = g_file_new_for_path (damaged);
  g_autofree char *ref = NULL;
  XapiCache *cache;
  XapiVm *vm;
  guint before;

  if (xapi_test_skip_without_sim ())
    return;
  sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "0.02", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  cache = xapi_connection_get_cache (conn);

  /* running: the server says why */
  vm = vm_named (cache, "web-01");
  g_assert_false (export_sync (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), XAPI_XVA_COMPRESSION_NONE, file, &error));
  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_VM_BAD_POWER_STATE);
  g_clear_error (&error);

  /* a fault half-way through the stream */
  vm = vm_named (cache, "fileserver");
  json_node_unref (xapi_sim_control (sim, "/fail-next",
                                     "{\"method\":\"VM.export\",\"error\":[\"SR_BACKEND_FAILURE_46\",\"\",\"read error\"]}"));
  g_assert_false (export_sync (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), XAPI_XVA_COMPRESSION_NONE, file, &error));
  g_assert_nonnull (error);
  g_assert_cmpstr (xapi_error_get_code_string (error), ==, "SR_BACKEND_FAILURE_46");
  g_clear_error (&error);
  listing = dir_listing (dir);
  g_assert_cmpstr (listing, ==, "");   /* nothing half-written */

  /* a damaged file: the import fails on the server and nothing stays */
  g_assert_true (g_file_set_contents (damaged, "not an archive at all", -1, NULL));
  before = n_vms_named (cache, "fileserver");
  ref = import_sync (conn, damaged_file, NULL, &error);
  g_assert_null (ref);
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (xapi_error_get_code_string (error), "IMPORT_ERROR"));
  g_clear_error (&error);

  /* a fault half-way through the import: the VM it made is removed again */
  g_assert_true (export_sync (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), XAPI_XVA_COMPRESSION_ZSTD, file, &error));
  json_node_unref (xapi_sim_control (sim, "/fail-next",
                                     "{\"method\":\"VM.import\",\"error\":[\"SR_BACKEND_FAILURE_44\",\"\",\"full\"]}"));
  ref = import_sync (conn, file, NULL, &error);
  g_assert_null (ref);
  g_assert_cmpstr (xapi_error_get_code_string (error), ==, "SR_BACKEND_FAILURE_44");
  g_clear_error (&error);
  {
    g_autofree char *s = xapi_sim_raw_login (sim);
    g_autofree char *params = g_strdup_printf ("[\"%s\",\"fileserver\"]", s);
    g_autoptr(JsonNode) reply = xapi_sim_raw_call (sim, NULL, "VM.get_by_name_label", params);
    JsonArray *found = json_object_get_array_member (json_node_get_object (reply), "result");
    g_assert_cmpuint (json_array_get_length (found), ==, before);
  }
  rm_rf (dir);
}

typedef struct {
  GCancellable *cancellable;
  guint64       bytes;
  double        fraction;
} CancelAt;

static void
cancel_on_data (guint64  bytes,
                double   fraction,
                gpointer data)
{
  CancelAt *c = data;

  c->bytes = bytes;
  c->fraction = fraction;
  if (bytes > 0)
    g_cancellable_cancel (c->cancellable);
}

static gboolean
export_lock_released (gpointer data)
{
  return g_hash_table_size (xapi_vm_get_current_operations (data)) == 0;
}

static void
test_cancel (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autofree char *dir = g_dir_make_tmp ("xva-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cancel.xva", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;
  CancelAt at = { cancellable, 0, 0 };
  GAsyncResult *result = NULL;
  XapiVm *vm;

  if (xapi_test_skip_without_sim ())
    return;
  /* 3 s of streaming: the first data arrives long before the end */
  sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "1.0", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  vm = vm_named (xapi_connection_get_cache (conn), "fileserver");
  xapi_export_vm_async (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), "cancelled export", XAPI_XVA_COMPRESSION_NONE,
                        file, TRUE, cancel_on_data, &at, cancellable, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  g_assert_false (xapi_export_vm_finish (conn, result, &error));
  g_clear_object (&result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (at.bytes, >, 0);
  listing = dir_listing (dir);
  g_assert_cmpstr (listing, ==, "");
  /* the server's side ends too: the VM is no longer locked */
  g_assert_true (xapi_test_wait_for (export_lock_released, vm, WAIT_MS));
  rm_rf (dir);
}

static char *
raw_task_status (XapiSim    *sim,
                 const char *session,
                 const char *label)
{
  g_autofree char *params = g_strdup_printf ("[\"%s\",\"%s\"]", session, label);
  g_autoptr(JsonNode) reply = xapi_sim_raw_call (sim, NULL, "task.get_by_name_label", params);
  JsonArray *tasks = json_object_get_array_member (json_node_get_object (reply), "result");
  g_autofree char *p2 = NULL;
  g_autoptr(JsonNode) status = NULL;

  if (json_array_get_length (tasks) == 0)
    return NULL;
  p2 = g_strdup_printf ("[\"%s\",\"%s\"]", session, json_array_get_string_element (tasks, 0));
  status = xapi_sim_raw_call (sim, NULL, "task.get_status", p2);
  return g_strdup (json_object_get_string_member (json_node_get_object (status), "result"));
}

static guint
raw_vms_named (XapiSim    *sim,
               const char *session,
               const char *name)
{
  g_autofree char *params = g_strdup_printf ("[\"%s\",\"%s\"]", session, name);
  g_autoptr(JsonNode) reply = xapi_sim_raw_call (sim, NULL, "VM.get_by_name_label", params);

  return json_array_get_length (json_object_get_array_member (json_node_get_object (reply), "result"));
}

typedef struct {
  XapiSim    *sim;
  const char *session;
  XapiCache  *cache;
  guint       want;
} VmCount;

static gboolean
cached_vm_count_is (gpointer data)
{
  VmCount *c = data;

  return n_vms_named (c->cache, "fileserver") == c->want;
}

static gboolean
vm_count_is (gpointer data)
{
  VmCount *c = data;

  return raw_vms_named (c->sim, c->session, "fileserver") == c->want;
}

/* Cancelled when the server has just finished (the client has not seen it
 * yet): the VM it made is removed again. */
static void
test_import_cancel_late (void)
{
  g_autoptr(XapiSim) sim = NULL;
  g_autoptr(XapiTestConnection) conn = NULL;
  g_autofree char *dir = g_dir_make_tmp ("xva-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "late.xva", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *session = NULL;
  g_autofree char *ref = NULL;
  GAsyncResult *result = NULL;
  VmCount count;
  gint64 deadline;
  XapiVm *vm;

  if (xapi_test_skip_without_sim ())
    return;
  /* the server builds the VM for 2 s: the client sees it appear, then
   * (not running its main loop) misses the end */
  sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "1.0", NULL);
  conn = xapi_test_connect_pinned (sim, NULL, NULL);
  session = xapi_sim_raw_login (sim);
  vm = vm_named (xapi_connection_get_cache (conn), "fileserver");
  g_assert_true (export_sync (conn, xapi_object_get_ref (XAPI_OBJECT (vm)), XAPI_XVA_COMPRESSION_ZSTD, file, &error));
  count = (VmCount) { sim, session, NULL, raw_vms_named (sim, session, "fileserver") + 1 };

  xapi_import_vm_async (conn, file, NULL, "late import", NULL, NULL, cancellable, xapi_test_store_result, &result);
  /* the upload goes on while the main loop runs; then the server builds the
   * VM, and the client's cache gets it (waited for there: a raw call per
   * iteration, a new TLS session each, held the main loop long enough under
   * valgrind for the connection's own heartbeat to time out) */
  count.cache = xapi_connection_get_cache (conn);
  g_assert_true (xapi_test_wait_for (cached_vm_count_is, &count, WAIT_MS));
  g_assert_cmpuint (raw_vms_named (sim, session, "fileserver"), ==, count.want);
  /* without running the main loop (the client sees no event), wait for the
   * server to finish the task, then cancel */
  deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  for (;;)
    {
      g_autofree char *status = raw_task_status (sim, session, "late import");
      if (g_strcmp0 (status, "success") == 0)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
  g_cancellable_cancel (cancellable);
  xapi_test_wait_result (&result, WAIT_MS);
  ref = xapi_import_vm_finish (conn, result, &error);
  g_clear_object (&result);
  g_assert_null (ref);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  count.want--;
  g_assert_true (xapi_test_wait_for (vm_count_is, &count, WAIT_MS));
  rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/transfer/xxh64", test_xxh64);
  g_test_add_func ("/transfer/verify-xxhash", test_verify_xxhash);
  g_test_add_func ("/transfer/export-import", test_export_import);
  g_test_add_func ("/transfer/refused-and-faults", test_export_refused);
  g_test_add_func ("/transfer/cancel", test_cancel);
  g_test_add_func ("/transfer/import-cancel-late", test_import_cancel_late);
  return g_test_run ();
}
