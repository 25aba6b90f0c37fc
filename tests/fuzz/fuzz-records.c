/* fuzz-records.c: libFuzzer target over record application into XapiCache
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: a JSON-RPC response body.  If the first line is "#CLASS" (e.g.
 * "#VM"), the rest is a get_all_records reply for that class; otherwise it
 * is an event.from reply.  The decoded batch is applied to a fresh cache
 * twice (adds, then the same events again as updates), the cache is walked
 * through its public accessors, then cleared.  An event.from reply is also
 * decoded twice with one memo, as the event loop does (the second time only
 * what changed), each applied to another cache, walked too.
 */
#include <stdint.h>
#include <string.h>

#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-rpc.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gpointer
parse_events (XapiJsonReader  *reader,
              gpointer         user_data,
              GError         **error)
{
  return xapi_event_batch_parse (reader, error);
}

static gpointer
parse_events_memo (XapiJsonReader  *reader,
                   gpointer         user_data,
                   GError         **error)
{
  return _xapi_event_batch_parse_memo (reader, user_data, error);
}

static gpointer
parse_records (XapiJsonReader  *reader,
               gpointer         user_data,
               GError         **error)
{
  return xapi_event_batch_parse_records (reader, user_data, error);
}

static void
walk_cache (XapiCache *cache)
{
  static const char * const classes[] = { "VM", "host", "pool", "SR", "VDI", "VBD", "VIF",
                                          "network", "PIF", "task", "VM_metrics", "message" };

  (void) xapi_cache_get_n_objects (cache);
  (void) xapi_cache_get_pool (cache);
  (void) xapi_cache_get_master (cache);

  for (gsize c = 0; c < G_N_ELEMENTS (classes); c++)
    {
      GListModel *model = xapi_cache_get_objects_by_name (cache, classes[c]);
      guint n = model != NULL ? g_list_model_get_n_items (model) : 0;

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(XapiObject) object = g_list_model_get_item (model, i);
          g_autoptr(GPtrArray) set = NULL;
          guint n_props = 0;
          g_autofree GParamSpec **props = g_object_class_list_properties (G_OBJECT_GET_CLASS (object), &n_props);

          /* Read every property: exercises the typed getters over
           * whatever the record parser stored. */
          for (guint p = 0; p < n_props; p++)
            {
              g_auto(GValue) value = G_VALUE_INIT;

              if (!(props[p]->flags & G_PARAM_READABLE))
                continue;
              g_value_init (&value, props[p]->value_type);
              g_object_get_property (G_OBJECT (object), props[p]->name, &value);
            }
          (void) xapi_cache_follow (cache, object, "resident_on");
          set = xapi_cache_follow_set (cache, object, "VBDs");
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *class_name = NULL;
  const char *body = (const char *) data;
  gsize body_len = size;
  XapiEventBatch *batch;
  char *buf;

  if (size > 1 && data[0] == '#')
    {
      const char *nl = memchr (data, '\n', size);

      if (nl == NULL)
        return 0;
      class_name = g_strndup (body + 1, nl - body - 1);
      body_len = size - (nl + 1 - body);
      body = nl + 1;
    }

  buf = g_malloc (body_len > 0 ? body_len : 1);
  memcpy (buf, body, body_len);

  if (class_name != NULL)
    batch = xapi_rpc_decode_response (buf, body_len, parse_records, class_name,
                                      (GDestroyNotify) xapi_event_batch_free, &error);
  else
    batch = xapi_rpc_decode_response (buf, body_len, parse_events, NULL,
                                      (GDestroyNotify) xapi_event_batch_free, &error);

  if (batch != NULL)
    {
      g_autoptr(XapiCache) cache = xapi_cache_new (NULL);
      guint n = xapi_event_batch_get_n_events (batch);

      (void) xapi_event_batch_get_token (batch);
      (void) xapi_event_batch_get_ref_counts (batch);
      for (guint i = 0; i < n; i++)
        {
          XapiEvent *event = xapi_event_batch_get_event (batch, i);
          g_assert (event != NULL);
        }

      xapi_cache_apply_batch (cache, batch);
      walk_cache (cache);
      xapi_cache_apply_batch (cache, batch);
      walk_cache (cache);
      xapi_cache_clear (cache);
      xapi_event_batch_free (batch);
    }

  if (class_name == NULL)
    {
      g_autoptr(XapiEventMemo) memo = _xapi_event_memo_new ();
      g_autoptr(XapiCache) cache = xapi_cache_new (NULL);

      for (int pass = 0; pass < 2; pass++)
        {
          g_autoptr(GError) local = NULL;

          memcpy (buf, body, body_len);
          batch = xapi_rpc_decode_response (buf, body_len, parse_events_memo, memo,
                                            (GDestroyNotify) xapi_event_batch_free, &local);
          if (batch == NULL)
            break;
          xapi_cache_apply_batch (cache, batch);
          walk_cache (cache);
          xapi_event_batch_free (batch);
        }
      xapi_cache_clear (cache);
    }

  g_free (buf);
  return 0;
}
