/* test-cache.c: XapiCache fed with event batches (no server)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-marshal.h"
#include "sim-fixture.h"

#define VM1 "OpaqueRef:11111111-1111-1111-1111-111111111111"
#define VM2 "OpaqueRef:22222222-2222-2222-2222-222222222222"
#define HOST1 "OpaqueRef:33333333-3333-3333-3333-333333333333"
#define VBD1 "OpaqueRef:44444444-4444-4444-4444-444444444444"

static XapiEventBatch *
parse_batch (const char *json)
{
  g_autoptr(XapiJsonReader) reader = xapi_json_reader_new (json, -1);
  g_autoptr(GError) error = NULL;
  XapiEventBatch *batch = xapi_event_batch_parse (reader, &error);

  g_assert_no_error (error);
  g_assert_nonnull (batch);
  return batch;
}

static char *
vm_record (const char *uuid,
           const char *name,
           const char *power_state,
           const char *resident_on)
{
  return g_strdup_printf ("{\"uuid\":\"%s\",\"name_label\":\"%s\",\"name_description\":\"\","
                          "\"power_state\":\"%s\",\"resident_on\":\"%s\",\"VCPUs_max\":4,"
                          "\"memory_static_max\":8589934592,\"is_a_template\":false,"
                          "\"VBDs\":[\"" VBD1 "\"],\"other_config\":{\"folder\":\"/prod\"},"
                          "\"tags\":[\"web\"]}",
                          uuid, name, power_state, resident_on);
}

static char *
event_json (const char *op,
            const char *cls,
            const char *ref,
            const char *snapshot)
{
  if (snapshot == NULL)
    return g_strdup_printf ("{\"id\":\"1\",\"timestamp\":\"0.0\",\"class\":\"%s\",\"operation\":\"%s\",\"ref\":\"%s\"}",
                            cls, op, ref);
  return g_strdup_printf ("{\"id\":\"1\",\"timestamp\":\"0.0\",\"class\":\"%s\",\"operation\":\"%s\","
                          "\"ref\":\"%s\",\"snapshot\":%s}", cls, op, ref, snapshot);
}

static char *
batch_json (const char *token,
            ...)
{
  GString *out = g_string_new ("{\"events\":[");
  va_list ap;
  const char *event;
  gboolean first = TRUE;

  va_start (ap, token);
  while ((event = va_arg (ap, const char *)) != NULL)
    {
      if (!first)
        g_string_append_c (out, ',');
      g_string_append (out, event);
      first = FALSE;
    }
  va_end (ap);
  g_string_append_printf (out, "],\"valid_ref_counts\":{\"vm\":2,\"host\":1},\"token\":\"%s\"}", token);
  return g_string_free (out, FALSE);
}

typedef struct {
  guint name_label;
  guint power_state;
  guint other;
} NotifyCounts;

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              NotifyCounts *counts)
{
  if (g_str_equal (pspec->name, "name-label"))
    counts->name_label++;
  else if (g_str_equal (pspec->name, "power-state"))
    counts->power_state++;
  else
    counts->other++;
}

static void
test_add_lookup_follow (void)
{
  g_autoptr(XapiCache) cache = xapi_cache_new (NULL);
  g_autofree char *r1 = vm_record ("u-vm1", "web01", "Running", HOST1);
  g_autofree char *r2 = vm_record ("u-vm2", "db01", "Halted", "OpaqueRef:NULL");
  g_autofree char *e1 = event_json ("add", "vm", VM1, r1);
  g_autofree char *e2 = event_json ("add", "vm", VM2, r2);
  g_autofree char *e3 = event_json ("add", "host", HOST1,
                                    "{\"uuid\":\"u-host1\",\"name_label\":\"host1\",\"address\":\"127.0.0.1\"}");
  g_autofree char *json = batch_json ("00000000000000000010,00000000000000000000", e1, e2, e3, NULL);
  g_autoptr(XapiEventBatch) batch = parse_batch (json);
  GListModel *vms;
  XapiObject *vm1, *host;

  g_assert_cmpstr (xapi_event_batch_get_token (batch), ==, "00000000000000000010,00000000000000000000");
  g_assert_cmpuint (xapi_event_batch_get_n_events (batch), ==, 3);
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (xapi_event_batch_get_ref_counts (batch), "vm")), ==, 2);

  xapi_cache_apply_batch (cache, batch);

  vms = xapi_cache_get_objects (cache, XAPI_TYPE_VM);
  g_assert_cmpuint (g_list_model_get_n_items (vms), ==, 2);
  g_assert_true (g_list_model_get_item_type (vms) == XAPI_TYPE_VM);
  g_assert_true (vms == xapi_cache_get_objects_by_name (cache, "vm"));
  g_assert_cmpuint (xapi_cache_get_n_objects (cache), ==, 3);

  vm1 = xapi_cache_lookup (cache, VM1);
  g_assert_true (XAPI_IS_VM (vm1));
  g_assert_true (xapi_cache_lookup_by_uuid (cache, "u-vm1") == vm1);
  g_assert_null (xapi_cache_lookup_typed (cache, VM1, XAPI_TYPE_HOST));
  g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (vm1)), ==, "web01");
  g_assert_cmpint (xapi_vm_get_power_state (XAPI_VM (vm1)), ==, XAPI_VM_POWER_STATE_RUNNING);
  g_assert_cmpint (xapi_vm_get_memory_static_max (XAPI_VM (vm1)), ==, G_GINT64_CONSTANT (8589934592));

  host = xapi_cache_follow (cache, vm1, "resident_on");
  g_assert_true (XAPI_IS_HOST (host));
  g_assert_null (xapi_cache_follow (cache, xapi_cache_lookup (cache, VM2), "resident_on"));

  {
    g_autoptr(GPtrArray) vbds = xapi_cache_follow_set (cache, vm1, "VBDs");
    g_assert_cmpuint (vbds->len, ==, 0);   /* VBD not in the cache: skipped */
  }
}

static void
test_mod_notifies_once (void)
{
  g_autoptr(XapiCache) cache = xapi_cache_new (NULL);
  g_autofree char *r1 = vm_record ("u-vm1", "web01", "Running", HOST1);
  g_autofree char *r1b = vm_record ("u-vm1", "web01-renamed", "Running", HOST1);
  g_autofree char *e1 = event_json ("add", "vm", VM1, r1);
  g_autofree char *e2 = event_json ("mod", "vm", VM1, r1b);
  g_autofree char *e3 = event_json ("mod", "vm", VM1, r1b);
  g_autofree char *j1 = batch_json ("1", e1, NULL);
  g_autofree char *j2 = batch_json ("2", e2, NULL);
  g_autofree char *j3 = batch_json ("3", e3, NULL);
  g_autoptr(XapiEventBatch) b1 = parse_batch (j1);
  g_autoptr(XapiEventBatch) b2 = parse_batch (j2);
  g_autoptr(XapiEventBatch) b3 = parse_batch (j3);
  NotifyCounts counts = { 0, };
  XapiObject *vm;

  xapi_cache_apply_batch (cache, b1);
  vm = xapi_cache_lookup (cache, VM1);
  g_signal_connect (vm, "notify", G_CALLBACK (count_notify), &counts);

  xapi_cache_apply_batch (cache, b2);
  g_assert_cmpuint (counts.name_label, ==, 1);
  g_assert_cmpuint (counts.power_state, ==, 0);
  g_assert_cmpuint (counts.other, ==, 0);
  /* Same object, updated in place */
  g_assert_true (xapi_cache_lookup (cache, VM1) == vm);
  g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (vm)), ==, "web01-renamed");

  /* The same record again changes nothing and notifies nothing. */
  xapi_cache_apply_batch (cache, b3);
  g_assert_cmpuint (counts.name_label, ==, 1);
  g_assert_cmpuint (counts.other, ==, 0);

  g_signal_handlers_disconnect_by_data (vm, &counts);
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *n_signals)
{
  (*n_signals)++;
}

static void
test_del_marks_gone (void)
{
  g_autoptr(XapiCache) cache = xapi_cache_new (NULL);
  g_autofree char *r1 = vm_record ("u-vm1", "web01", "Running", HOST1);
  g_autofree char *e1 = event_json ("add", "vm", VM1, r1);
  g_autofree char *e2 = event_json ("del", "vm", VM1, NULL);
  g_autofree char *j1 = batch_json ("1", e1, NULL);
  g_autofree char *j2 = batch_json ("2", e2, NULL);
  g_autoptr(XapiEventBatch) b1 = parse_batch (j1);
  g_autoptr(XapiEventBatch) b2 = parse_batch (j2);
  g_autoptr(XapiObject) vm = NULL;
  GListModel *vms = xapi_cache_get_objects (cache, XAPI_TYPE_VM);
  guint n_signals = 0;

  g_signal_connect (vms, "items-changed", G_CALLBACK (items_changed_cb), &n_signals);
  xapi_cache_apply_batch (cache, b1);
  g_assert_cmpuint (n_signals, ==, 1);
  vm = g_object_ref (xapi_cache_lookup (cache, VM1));
  g_assert_false (xapi_object_is_gone (vm));

  xapi_cache_apply_batch (cache, b2);
  g_assert_cmpuint (n_signals, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (vms), ==, 0);
  g_assert_null (xapi_cache_lookup (cache, VM1));
  g_assert_null (xapi_cache_lookup_by_uuid (cache, "u-vm1"));
  g_assert_true (xapi_object_is_gone (vm));
  g_signal_handlers_disconnect_by_data (vms, &n_signals);
}

static void
test_unknown_class_and_fields (void)
{
  g_autoptr(XapiCache) cache = xapi_cache_new (NULL);
  g_autofree char *e1 = event_json ("add", "future_thing", "OpaqueRef:f1",
                                    "{\"uuid\":\"u-f1\",\"shiny\":[1,2,3]}");
  g_autofree char *r = g_strdup ("{\"uuid\":\"u-vm1\",\"name_label\":\"x\",\"brand_new_field\":{\"a\":NaN}}");
  g_autofree char *e2 = event_json ("add", "vm", VM1, r);
  g_autofree char *json = batch_json ("1", e1, e2, NULL);
  g_autoptr(XapiEventBatch) batch = parse_batch (json);
  XapiObject *thing, *vm;
  GListModel *things;

  xapi_cache_apply_batch (cache, batch);
  things = xapi_cache_get_objects_by_name (cache, "future_thing");
  g_assert_cmpuint (g_list_model_get_n_items (things), ==, 1);
  thing = xapi_cache_lookup (cache, "OpaqueRef:f1");
  g_assert_true (XAPI_IS_UNKNOWN_OBJECT (thing));
  {
    g_autofree char *raw = xapi_object_dup_field_json (thing, "shiny");
    g_assert_cmpstr (raw, ==, "[1,2,3]");
  }

  vm = xapi_cache_lookup (cache, VM1);
  g_assert_nonnull (xapi_object_get_extra_fields (vm));
  g_assert_true (g_hash_table_contains (xapi_object_get_extra_fields (vm), "brand_new_field"));
}

static void
test_malformed_batches (void)
{
  const char *bad[] = {
    "{\"events\":[{\"class\":\"vm\",\"operation\":\"add\"}],\"token\":\"1\"}",   /* no ref */
    "{\"events\":[{\"class\":\"vm\",\"operation\":\"explode\",\"ref\":\"x\"}],\"token\":\"1\"}",
    "{\"events\":[{\"class\":\"vm\",\"operation\":\"add\",\"ref\":\"x\",\"snapshot\":[1]}],\"token\":\"1\"}",
    "{\"events\":[],\"token\":\"1\"",                                          /* truncated */
    "{\"events\":5,\"token\":\"1\"}",
    "{\"token\":\"1\"}",
    "[]",
    "{\"events\":[{\"class\":\"vm\",\"operation\":\"add\",\"ref\":\"x\",\"snapshot\":{\"name_label\":\"\\ud800\"}}],\"token\":\"1\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(XapiJsonReader) reader = xapi_json_reader_new (bad[i], -1);
      g_autoptr(GError) error = NULL;
      g_autoptr(XapiEventBatch) batch = xapi_event_batch_parse (reader, &error);

      g_assert_null (batch);
      g_assert_nonnull (error);
    }
}

static void
test_snapshot_before_class (void)
{
  g_autoptr(XapiCache) cache = xapi_cache_new (NULL);
  const char *json =
    "{\"token\":\"5\",\"events\":[{\"snapshot\":{\"uuid\":\"u1\",\"name_label\":\"early\"},"
    "\"ref\":\"" VM1 "\",\"operation\":\"add\",\"class\":\"vm\"}]}";
  g_autoptr(XapiEventBatch) batch = parse_batch (json);

  xapi_cache_apply_batch (cache, batch);
  g_assert_cmpstr (xapi_vm_get_name_label (xapi_cache_lookup_typed (cache, VM1, XAPI_TYPE_VM)), ==, "early");
}

static void
test_get_all_records (void)
{
  g_autoptr(XapiCache) cache = xapi_cache_new (NULL);
  const char *json = "{\"" VM1 "\":{\"uuid\":\"a\",\"name_label\":\"one\"},"
                     "\"" VM2 "\":{\"uuid\":\"b\",\"name_label\":\"two\"}}";
  g_autoptr(XapiJsonReader) reader = xapi_json_reader_new (json, -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(XapiEventBatch) batch = xapi_event_batch_parse_records (reader, "VM", &error);

  g_assert_no_error (error);
  xapi_cache_apply_batch (cache, batch);
  g_assert_cmpuint (g_list_model_get_n_items (xapi_cache_get_objects (cache, XAPI_TYPE_VM)), ==, 2);
}

typedef struct {
  XapiCache *cache;
  gint64     longest_us;
  gint64     last;
  guint      n_chunks;
} ChunkWatch;

/* A cache holding VM1 ("kept") and VM2 ("stale"). */
static void
add_kept_and_stale (XapiCache   *cache,
                    XapiObject **kept,
                    XapiObject **stale)
{
  g_autofree char *e1 = event_json ("add", "vm", VM1, "{\"uuid\":\"k\",\"name_label\":\"kept\"}");
  g_autofree char *e2 = event_json ("add", "vm", VM2, "{\"uuid\":\"s\",\"name_label\":\"stale\"}");
  g_autofree char *j = batch_json ("1", e1, e2, NULL);
  g_autoptr(XapiEventBatch) first = parse_batch (j);

  xapi_cache_apply_batch (cache, first);
  *kept = g_object_ref (xapi_cache_lookup (cache, VM1));
  *stale = g_object_ref (xapi_cache_lookup (cache, VM2));
}

/* A resync batch: VM1 renamed, @n new VMs, then @tail. */
static char *
many_vms_json (guint       n,
               const char *tail)
{
  GString *json = g_string_new ("{\"token\":\"9\",\"events\":[");

  g_string_append (json, "{\"class\":\"vm\",\"operation\":\"add\",\"ref\":\"" VM1 "\","
                         "\"snapshot\":{\"uuid\":\"k\",\"name_label\":\"kept-renamed\"}}");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (json, ",{\"class\":\"vm\",\"operation\":\"add\",\"ref\":\"OpaqueRef:n%u\","
                                  "\"snapshot\":{\"uuid\":\"n%u\",\"name_label\":\"vm %u\",\"power_state\":\"Halted\"}}",
                            i, i, i);
  g_string_append (json, tail);
  return g_string_free (json, FALSE);
}

static void
batch_applied_cb (XapiCache  *cache,
                  guint       n,
                  ChunkWatch *watch)
{
  watch->n_chunks++;
}

static void
test_chunked_apply_and_resync (void)
{
  g_autoptr(XapiCache) cache = xapi_cache_new (NULL);
  g_autofree char *json = NULL;
  g_autoptr(XapiEventBatch) batch = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(XapiObject) kept = NULL;
  g_autoptr(XapiObject) stale = NULL;
  ChunkWatch watch = { cache, 0, 0, 0 };
  const guint n = 20000;

  /* First: two VMs; then a resync batch holding only one of them plus many new. */
  add_kept_and_stale (cache, &kept, &stale);
  json = many_vms_json (n, "]}");
  batch = parse_batch (json);

  g_signal_connect (cache, "batch-applied", G_CALLBACK (batch_applied_cb), &watch);
  xapi_cache_apply_batch_async (cache, g_steal_pointer (&batch), TRUE, 2000, NULL,
                                xapi_test_store_result, &result);
  xapi_test_wait_result (&result, 60000);
  g_assert_true (xapi_cache_apply_batch_finish (cache, result, &error));
  g_assert_no_error (error);

  /* Applied in more than one main-loop iteration (budget 2 ms). */
  g_assert_cmpuint (watch.n_chunks, >, 1);
  g_assert_cmpuint (g_list_model_get_n_items (xapi_cache_get_objects (cache, XAPI_TYPE_VM)), ==, n + 1);
  g_assert_true (xapi_cache_lookup (cache, VM1) == kept);          /* same object kept */
  g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (kept)), ==, "kept-renamed");
  g_assert_null (xapi_cache_lookup (cache, VM2));                   /* stale one removed */
  g_assert_true (xapi_object_is_gone (stale));
  g_assert_cmpfloat (xapi_cache_get_apply_progress (cache), ==, 1.0);
  g_signal_handlers_disconnect_by_data (cache, &watch);
}

/* ---- applying while the batch is decoded (XapiCacheFeed) ----------------- */

typedef struct {
  const char     *json;
  XapiCacheFeed  *feed;
  XapiEventBatch *rest;
  GError         *error;
  gint            done;
} FeedDecode;

static gpointer
feed_decode_thread (gpointer data)
{
  FeedDecode *d = data;
  g_autoptr(XapiJsonReader) reader = xapi_json_reader_new (d->json, -1);

  d->rest = _xapi_event_batch_parse_feeding (reader, d->feed, &d->error);
  g_atomic_int_set (&d->done, 1);
  return NULL;
}

static gboolean
feed_decoded (gpointer data)
{
  return g_atomic_int_get (&((FeedDecode *) data)->done);
}

/* Decode @json in a thread, feeding a new feed of @cache, while the main
 * loop runs; the apply's result lands in @result. */
static void
feed_decode (FeedDecode    *d,
             XapiCache     *cache,
             const char    *json,
             GAsyncResult **result)
{
  GThread *thread;

  d->json = json;
  d->feed = _xapi_cache_feed_new (cache, TRUE, 2000, NULL, xapi_test_store_result, result);
  g_assert_true (xapi_cache_is_applying (cache));
  thread = g_thread_new ("decode", feed_decode_thread, d);
  g_assert_true (xapi_test_wait_for (feed_decoded, d, 60000));
  g_thread_join (thread);
}

typedef struct {
  XapiCache *cache;
  guint      n;
} VmCount;

static gboolean
has_vms (gpointer data)
{
  VmCount *c = data;

  return g_list_model_get_n_items (xapi_cache_get_objects (c->cache, XAPI_TYPE_VM)) >= c->n;
}

static void
test_fed_apply (void)
{
  g_autoptr(XapiCache) cache = xapi_cache_new (NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(XapiObject) kept = NULL;
  g_autoptr(XapiObject) stale = NULL;
  g_autofree char *json = NULL;
  FeedDecode d = { 0 };
  VmCount count = { cache, 0 };
  const guint n = 10000;

  add_kept_and_stale (cache, &kept, &stale);

  /* A resync batch decoded in a thread, fed to the cache as it goes. */
  json = many_vms_json (n, "]}");
  feed_decode (&d, cache, json, &result);
  g_assert_no_error (d.error);
  g_assert_nonnull (d.rest);

  /* What was fed is applied before the end of the batch is known... */
  count.n = 2 + 4096;
  g_assert_true (xapi_test_wait_for (has_vms, &count, 60000));
  g_assert_null (result);
  /* ...but the resync removes nothing until then. */
  g_assert_true (xapi_cache_lookup (cache, VM2) == stale);
  g_assert_false (xapi_object_is_gone (stale));

  _xapi_cache_feed_end (d.feed, g_steal_pointer (&d.rest));
  g_clear_pointer (&d.feed, _xapi_cache_feed_unref);
  xapi_test_wait_result (&result, 60000);
  g_assert_true (xapi_cache_apply_batch_finish (cache, result, &error));
  g_assert_no_error (error);
  g_assert_false (xapi_cache_is_applying (cache));
  g_assert_cmpuint (g_list_model_get_n_items (xapi_cache_get_objects (cache, XAPI_TYPE_VM)), ==, n + 1);
  g_assert_true (xapi_cache_lookup (cache, VM1) == kept);
  g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (kept)), ==, "kept-renamed");
  g_assert_nonnull (xapi_cache_lookup (cache, "OpaqueRef:n9999"));
  g_assert_null (xapi_cache_lookup (cache, VM2));
  g_assert_true (xapi_object_is_gone (stale));
  g_assert_cmpfloat (xapi_cache_get_apply_progress (cache), ==, 1.0);
}

static void
test_fed_apply_broken (void)
{
  g_autoptr(XapiCache) cache = xapi_cache_new (NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  FeedDecode d = { 0 };
  VmCount count = { cache, 0 };

  /* The reply breaks after 5,000 events: the decode fails. */
  json = many_vms_json (5000, ",{\"class\":\"vm\",\"operation\":");
  feed_decode (&d, cache, json, &result);
  g_assert_null (d.rest);
  g_assert_error (d.error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_SYNTAX);
  g_clear_error (&d.error);

  /* What was fed before the break is applied... */
  count.n = 4096;
  g_assert_true (xapi_test_wait_for (has_vms, &count, 60000));

  /* ...and stays (a later resync reconciles it): the end without a batch
   * returns the apply as cancelled and the resync removes nothing. */
  _xapi_cache_feed_end (d.feed, NULL);
  g_clear_pointer (&d.feed, _xapi_cache_feed_unref);
  xapi_test_wait_result (&result, 60000);
  g_assert_false (xapi_cache_apply_batch_finish (cache, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (xapi_cache_is_applying (cache));
  g_assert_true (has_vms (&count));
  g_assert_cmpuint (g_list_model_get_n_items (xapi_cache_get_objects (cache, XAPI_TYPE_VM)), <=, 5001);
}


/* ---- the event loop's memo: mod events decode only what changed ---------- */

#define TASK1 "OpaqueRef:55555555-5555-5555-5555-555555555555"

/* A VM record with every kind of value, spaced the way a server might. */
static char *
spaced_vm_record (const char *name,
                  const char *folder)
{
  return g_strdup_printf ("{ \"uuid\" : \"u-vm1\" , \"name_label\" :\"%s\",\"name_description\":\"a \\\"quoted\\\" one\",\n"
                          "  \"power_state\": \"Running\", \"VCPUs_max\" : 4 , \"memory_static_max\":8589934592,"
                          "\"HVM_shadow_multiplier\" : 1.5e0, \"is_a_template\" : false ,\"affinity\":\"OpaqueRef:NULL\","
                          "\"VBDs\" : [ \"" VBD1 "\" , \"" VM2 "\" ], \"tags\":[],\"bios_strings\":{ },"
                          "\"other_config\" : { \"folder\" : \"%s\" , \"k\":\"v\" },"
                          "\"snapshot_time\": \"20240101T00:00:00Z\", \"domid\" : -1 , \"new_field\": {\"x\":[1,2]} }",
                          name, folder);
}

#define SPACED_KNOWN_FIELDS 15

static XapiEventBatch *
parse_with_memo (XapiEventMemo *memo,
                 const char    *op,
                 const char    *cls,
                 const char    *ref,
                 const char    *snapshot,
                 gsize          chunk)
{
  g_autofree char *event = event_json (op, cls, ref, snapshot);
  g_autofree char *json = batch_json ("1", event, NULL);
  XapiTestFeed feed = { json, strlen (json), 0, chunk };
  g_autoptr(XapiJsonReader) reader = xapi_json_reader_new_streaming (xapi_test_feed_next, &feed);
  g_autoptr(GError) error = NULL;
  XapiEventBatch *batch = _xapi_event_batch_parse_memo (reader, memo, &error);

  g_assert_no_error (error);
  g_assert_nonnull (batch);
  g_assert_cmpuint (xapi_event_batch_get_n_events (batch), ==, 1);
  return batch;
}

/* Known fields the only event of @batch carries (its one unknown field,
 * kept as raw text, is always there). */
static int
known_values (XapiEventBatch *batch)
{
  XapiEvent *event = xapi_event_batch_get_event (batch, 0);

  g_assert_nonnull (event->record);
  return (int) xapi_record_get_n_values (event->record) - 1;
}

static gboolean
is_partial (XapiEventBatch *batch)
{
  return _xapi_record_is_partial (xapi_event_batch_get_event (batch, 0)->record);
}

static void
apply_and_free (XapiCache      *cache,
                XapiEventBatch *batch)
{
  xapi_cache_apply_batch (cache, batch);
  xapi_event_batch_free (batch);
}

static void
test_mod_memo (void)
{
  static const gsize chunks[] = { 1, 3, 7, 64, 1 << 20 };

  for (gsize c = 0; c < G_N_ELEMENTS (chunks); c++)
    {
      gsize chunk = chunks[c];
      g_autoptr(XapiCache) cache = xapi_cache_new (NULL);
      g_autoptr(XapiCache) lost = xapi_cache_new (NULL);
      g_autoptr(XapiEventMemo) memo = _xapi_event_memo_new ();
      g_autofree char *a = spaced_vm_record ("web01", "/prod");
      g_autofree char *b = spaced_vm_record ("web02", "/prod");
      g_autofree char *f = spaced_vm_record ("web01", "/test");
      NotifyCounts counts = { 0, };
      XapiEventBatch *batch;
      XapiObject *vm;

      /* An add decodes everything, and so does the first mod of an object. */
      batch = parse_with_memo (memo, "add", "vm", VM1, a, chunk);
      g_assert_cmpint (known_values (batch), ==, SPACED_KNOWN_FIELDS);
      apply_and_free (cache, batch);
      vm = xapi_cache_lookup (cache, VM1);
      g_assert_nonnull (vm);
      g_signal_connect (vm, "notify", G_CALLBACK (count_notify), &counts);
      batch = parse_with_memo (memo, "mod", "vm", VM1, a, chunk);
      g_assert_cmpint (known_values (batch), ==, SPACED_KNOWN_FIELDS);
      g_assert_false (is_partial (batch));
      apply_and_free (cache, batch);

      /* The same text again: nothing to decode (the text hashed while it
       * was decoded is the text skipped the next time, in any chunking). */
      batch = parse_with_memo (memo, "mod", "vm", VM1, a, chunk);
      g_assert_cmpint (known_values (batch), ==, 0);
      g_assert_true (is_partial (batch));
      apply_and_free (cache, batch);
      g_assert_cmpuint (counts.name_label + counts.other, ==, 0);

      /* One change: one field decoded, applied, notified. */
      batch = parse_with_memo (memo, "mod", "vm", VM1, b, chunk);
      g_assert_cmpint (known_values (batch), ==, 1);
      apply_and_free (cache, batch);
      g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (vm)), ==, "web02");
      g_assert_cmpuint (counts.name_label, ==, 1);
      g_assert_cmpuint (counts.other, ==, 0);

      /* Back to an older value: still a change. */
      batch = parse_with_memo (memo, "mod", "vm", VM1, a, chunk);
      g_assert_cmpint (known_values (batch), ==, 1);
      apply_and_free (cache, batch);
      g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (vm)), ==, "web01");
      g_assert_cmpuint (counts.name_label, ==, 2);

      /* A change inside a map. */
      batch = parse_with_memo (memo, "mod", "vm", VM1, f, chunk);
      g_assert_cmpint (known_values (batch), ==, 1);
      apply_and_free (cache, batch);
      g_assert_cmpstr (g_hash_table_lookup (xapi_vm_get_other_config (XAPI_VM (vm)), "folder"), ==, "/test");
      g_signal_handlers_disconnect_by_data (vm, &counts);

      /* A cache without the object is not given a part of one. */
      batch = parse_with_memo (memo, "mod", "vm", VM1, f, chunk);
      g_assert_true (is_partial (batch));
      apply_and_free (lost, batch);
      g_assert_null (xapi_cache_lookup (lost, VM1));

      /* After a del and an add, the first mod decodes everything again. */
      apply_and_free (cache, parse_with_memo (memo, "del", "vm", VM1, NULL, chunk));
      g_assert_null (xapi_cache_lookup (cache, VM1));
      apply_and_free (cache, parse_with_memo (memo, "add", "vm", VM1, b, chunk));
      batch = parse_with_memo (memo, "mod", "vm", VM1, b, chunk);
      g_assert_cmpint (known_values (batch), ==, SPACED_KNOWN_FIELDS);
      apply_and_free (cache, batch);
      g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (xapi_cache_lookup (cache, VM1))), ==, "web02");

      /* Tasks always decode everything (xapi-task-ops updates them too). */
      for (int i = 0; i < 2; i++)
        {
          batch = parse_with_memo (memo, "mod", "task", TASK1,
                                   "{\"uuid\":\"u-t\",\"name_label\":\"t\",\"progress\":0.5}", chunk);
          g_assert_cmpuint (xapi_record_get_n_values (xapi_event_batch_get_event (batch, 0)->record), ==, 3);
          xapi_event_batch_free (batch);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Xapi/Cache/add-lookup-follow", test_add_lookup_follow);
  g_test_add_func ("/Xapi/Cache/mod-notifies-once", test_mod_notifies_once);
  g_test_add_func ("/Xapi/Cache/del-marks-gone", test_del_marks_gone);
  g_test_add_func ("/Xapi/Cache/unknown-class-and-fields", test_unknown_class_and_fields);
  g_test_add_func ("/Xapi/Cache/malformed-batches", test_malformed_batches);
  g_test_add_func ("/Xapi/Cache/snapshot-before-class", test_snapshot_before_class);
  g_test_add_func ("/Xapi/Cache/get-all-records", test_get_all_records);
  g_test_add_func ("/Xapi/Cache/chunked-apply-and-resync", test_chunked_apply_and_resync);
  g_test_add_func ("/Xapi/Cache/fed-apply", test_fed_apply);
  g_test_add_func ("/Xapi/Cache/fed-apply-broken", test_fed_apply_broken);
  g_test_add_func ("/Xapi/Cache/mod-memo", test_mod_memo);

  return g_test_run ();
}
