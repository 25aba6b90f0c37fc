/* xapi-cache.c: identity map + one GListStore per class, fed by event batches
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "xapi-cache.h"
#include "xapi-connection.h"
#include "xapi-marshal.h"

struct _XapiEventBatch
{
  GPtrArray  *events;      /* XapiEvent* */
  char       *token;
  GHashTable *ref_counts;  /* lowercased class -> GINT_TO_POINTER (count) */
};

/* The objects by ref and by UUID: some 80,000 of each once a 10,000-VM
 * pool is synced.  A GHashTable doubles all at once, and the last
 * doubling of both (at ~62,000) was one step of 3 ms in a quiet process
 * and up to 18 ms in the sync's busy main loop.  Split by the key's hash
 * into INDEX_SHARDS tables, a doubling moves a sixteenth of the keys. */
#define INDEX_SHARDS 16

typedef struct {
  GHashTable *shards[INDEX_SHARDS];
} Index;

static void
index_init (Index          *index,
            GDestroyNotify  key_free,
            GDestroyNotify  value_free)
{
  for (guint i = 0; i < INDEX_SHARDS; i++)
    index->shards[i] = g_hash_table_new_full (g_str_hash, g_str_equal, key_free, value_free);
}

static void
index_clear (Index *index)
{
  for (guint i = 0; i < INDEX_SHARDS; i++)
    g_clear_pointer (&index->shards[i], g_hash_table_unref);
}

static GHashTable *
index_shard (Index      *index,
             const char *key)
{
  return index->shards[g_str_hash (key) % INDEX_SHARDS];
}

static gpointer
index_lookup (Index      *index,
              const char *key)
{
  return g_hash_table_lookup (index_shard (index, key), key);
}

/* @key: as the table owns it (or the value, for the objects by ref) */
static void
index_replace (Index    *index,
               char     *key,
               gpointer  value)
{
  g_hash_table_replace (index_shard (index, key), key, value);
}

static void
index_remove (Index      *index,
              const char *key)
{
  g_hash_table_remove (index_shard (index, key), key);
}

static guint
index_size (Index *index)
{
  guint n = 0;

  for (guint i = 0; i < INDEX_SHARDS; i++)
    n += g_hash_table_size (index->shards[i]);
  return n;
}

/* Every value, in no order. */
static GPtrArray *
index_values (Index *index)
{
  GPtrArray *values = g_ptr_array_sized_new (index_size (index));

  for (guint i = 0; i < INDEX_SHARDS; i++)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, index->shards[i]);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_add (values, value);
    }
  return values;
}

struct _XapiCache
{
  GObject     parent_instance;

  GWeakRef    connection;
  Index       objects;      /* ref -> XapiObject (owned) */
  Index       by_uuid;      /* uuid -> XapiObject (borrowed) */
  GHashTable *stores;       /* lowercased class name -> GListStore (owned) */
  gboolean    populated;
  double      apply_progress;
  guint       applying;     /* chunked applies in flight */
};

enum {
  PROP_0,
  PROP_POPULATED,
  PROP_APPLY_PROGRESS,
  N_PROPS
};

enum {
  OBJECT_ADDED,
  OBJECT_REMOVED,
  BATCH_APPLIED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (XapiCache, xapi_cache, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------ */
/* Event batches                                                            */

static void
xapi_event_free (XapiEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->class_name);
  g_free (event->ref);
  g_clear_pointer (&event->record, xapi_record_free);
  g_free (event);
}

static XapiEventBatch *
xapi_event_batch_new (void)
{
  XapiEventBatch *batch = g_new0 (XapiEventBatch, 1);

  batch->events = g_ptr_array_new_with_free_func ((GDestroyNotify) xapi_event_free);
  return batch;
}

void
xapi_event_batch_free (XapiEventBatch *batch)
{
  if (batch == NULL)
    return;
  g_ptr_array_unref (batch->events);
  g_free (batch->token);
  g_clear_pointer (&batch->ref_counts, g_hash_table_unref);
  g_free (batch);
}

const char *
xapi_event_batch_get_token (XapiEventBatch *batch)
{
  return batch->token;
}

guint
xapi_event_batch_get_n_events (XapiEventBatch *batch)
{
  return batch->events->len;
}

XapiEvent *
xapi_event_batch_get_event (XapiEventBatch *batch,
                            guint           index)
{
  g_return_val_if_fail (index < batch->events->len, NULL);
  return g_ptr_array_index (batch->events, index);
}

GHashTable *
xapi_event_batch_get_ref_counts (XapiEventBatch *batch)
{
  return batch->ref_counts;
}

static gboolean
parse_op (const char  *text,
          XapiEventOp *op)
{
  if (g_str_equal (text, "add"))
    *op = XAPI_EVENT_ADD;
  else if (g_str_equal (text, "mod"))
    *op = XAPI_EVENT_MOD;
  else if (g_str_equal (text, "del"))
    *op = XAPI_EVENT_DEL;
  else
    return FALSE;
  return TRUE;
}

/* ---- the event loop's memo ------------------------------------------------ */

struct _XapiEventMemo
{
  GHashTable *entries;   /* ref -> MemoEntry */
};

typedef struct {
  const XapiClassInfo *info;
  guint64              hashes[];   /* info->n_fields */
} MemoEntry;

XapiEventMemo *
_xapi_event_memo_new (void)
{
  XapiEventMemo *memo = g_atomic_rc_box_new0 (XapiEventMemo);

  memo->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return memo;
}

XapiEventMemo *
_xapi_event_memo_ref (XapiEventMemo *memo)
{
  return g_atomic_rc_box_acquire (memo);
}

static void
memo_clear (XapiEventMemo *memo)
{
  g_hash_table_unref (memo->entries);
}

void
_xapi_event_memo_unref (XapiEventMemo *memo)
{
  g_atomic_rc_box_release_full (memo, (GDestroyNotify) memo_clear);
}

/* A snapshot, the reader on its '{'.  With a memo, a mod event of an object
 * that had one before decodes only the fields whose text changed since
 * (*@memo_used is then set).  Any other event decodes everything, and its
 * object's entry is dropped when the event ends.  Tasks are left out:
 * xapi-task-ops also updates them from get_record. */
static XapiRecord *
parse_snapshot (XapiJsonReader  *reader,
                XapiEventMemo   *memo,
                XapiEvent       *event,
                gboolean         have_op,
                gboolean        *memo_used,
                GError         **error)
{
  const XapiClassInfo *info = event->info;
  MemoEntry *entry;

  if (memo == NULL || event->ref == NULL || info == NULL || !have_op ||
      event->op != XAPI_EVENT_MOD || g_str_equal (info->lower_name, "task"))
    return xapi_record_parse (info, reader, error);
  *memo_used = TRUE;
  entry = g_hash_table_lookup (memo->entries, event->ref);
  if (entry != NULL && entry->info == info)
    return _xapi_record_parse_changed (info, reader, entry->hashes, TRUE, error);
  entry = g_malloc0 (sizeof (MemoEntry) + info->n_fields * sizeof (guint64));
  entry->info = info;
  g_hash_table_replace (memo->entries, g_strdup (event->ref), entry);
  return _xapi_record_parse_changed (info, reader, entry->hashes, FALSE, error);
}

typedef enum {
  EVENT_MEMBER_OTHER,
  EVENT_MEMBER_CLASS,
  EVENT_MEMBER_OPERATION,
  EVENT_MEMBER_REF,
  EVENT_MEMBER_SNAPSHOT,
} EventMember;

/* One string compare per member (there are six per event). */
static EventMember
event_member (const char *key)
{
  switch (key[0])
    {
    case 'c':
      return strcmp (key, "class") == 0 ? EVENT_MEMBER_CLASS : EVENT_MEMBER_OTHER;
    case 'o':
      return strcmp (key, "operation") == 0 ? EVENT_MEMBER_OPERATION : EVENT_MEMBER_OTHER;
    case 'r':
      return strcmp (key, "ref") == 0 ? EVENT_MEMBER_REF : EVENT_MEMBER_OTHER;
    case 's':
      return strcmp (key, "snapshot") == 0 ? EVENT_MEMBER_SNAPSHOT : EVENT_MEMBER_OTHER;
    default:
      return EVENT_MEMBER_OTHER;
    }
}

static gboolean
parse_one_event (XapiJsonReader  *reader,
                 XapiEventMemo   *memo,
                 XapiEvent      **out_event,
                 GError         **error)
{
  gboolean have_op = FALSE, op_valid = FALSE, memo_used = FALSE;
  g_autofree char *snapshot_text = NULL;  /* snapshot seen before "class" */
  XapiEvent *event;
  const char *key;

  *out_event = NULL;
  event = g_new0 (XapiEvent, 1);

  if (!xapi_json_reader_begin_object (reader))
    goto fail;

  while (xapi_json_reader_next_member (reader, &key, NULL))
    {
      EventMember member = event_member (key);

      /* xapi never repeats a member; a reply that does is not trusted */
      if ((member == EVENT_MEMBER_CLASS && event->class_name != NULL) ||
          (member == EVENT_MEMBER_OPERATION && have_op) ||
          (member == EVENT_MEMBER_REF && event->ref != NULL) ||
          (member == EVENT_MEMBER_SNAPSHOT && (event->record != NULL || snapshot_text != NULL)))
        {
          g_set_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE,
                       "event has a repeated \"%s\"", key);
          goto fail_set;
        }
      if (member == EVENT_MEMBER_CLASS)
        {
          if ((event->class_name = xapi_json_reader_dup_string (reader)) == NULL)
            goto fail;
          event->info = xapi_class_info_lookup (event->class_name);
        }
      else if (member == EVENT_MEMBER_OPERATION)
        {
          const char *op_text;

          if (!xapi_json_reader_read_string (reader, &op_text, NULL))
            goto fail;
          have_op = TRUE;
          op_valid = parse_op (op_text, &event->op);
        }
      else if (member == EVENT_MEMBER_REF)
        {
          if ((event->ref = xapi_json_reader_dup_string (reader)) == NULL)
            goto fail;
        }
      else if (member == EVENT_MEMBER_SNAPSHOT)
        {
          if (xapi_json_reader_peek (reader) == XAPI_JSON_TOKEN_NULL)
            {
              if (!xapi_json_reader_read_null (reader))
                goto fail;
            }
          else if (event->class_name != NULL)
            {
              if (xapi_json_reader_peek (reader) != XAPI_JSON_TOKEN_BEGIN_OBJECT)
                {
                  g_set_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE,
                               "event snapshot is not an object");
                  goto fail_set;
                }
              event->record = parse_snapshot (reader, memo, event, have_op, &memo_used, error);
              if (event->record == NULL)
                goto fail_set;
            }
          else
            {
              const char *raw;
              gsize len;

              if (!xapi_json_reader_read_raw (reader, &raw, &len))
                goto fail;
              snapshot_text = g_strndup (raw, len);
            }
        }
      else if (!xapi_json_reader_skip (reader))
        goto fail;
    }
  if (xapi_json_reader_failed (reader, error))
    goto fail_set;

  if (event->class_name == NULL || event->ref == NULL || !op_valid)
    {
      g_set_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE,
                   "event lacks a valid class, ref or operation");
      goto fail_set;
    }

  if (memo != NULL && !memo_used)
    g_hash_table_remove (memo->entries, event->ref);

  if (snapshot_text != NULL)
    {
      g_autoptr(XapiJsonReader) sub = xapi_json_reader_new (snapshot_text, -1);

      if (xapi_json_reader_peek (sub) != XAPI_JSON_TOKEN_BEGIN_OBJECT)
        {
          g_set_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE,
                       "event snapshot is not an object");
          goto fail_set;
        }
      event->record = xapi_record_parse (event->info, sub, error);
      if (event->record == NULL)
        goto fail_set;
    }

  *out_event = event;
  return TRUE;

fail:
  xapi_json_reader_failed (reader, error);
fail_set:
  xapi_event_free (event);
  return FALSE;
}

/* Events handed to a feed at a time while a batch is decoded. */
#define FEED_CHUNK 2048

/* While decoding for @feed (if any): hand it what @batch holds once that
 * is a chunk. */
static void
feed_when_full (XapiCacheFeed  *feed,
                XapiEventBatch *batch)
{
  if (feed != NULL && batch->events->len >= FEED_CHUNK)
    {
      _xapi_cache_feed_push (feed, batch->events);
      batch->events = g_ptr_array_new_with_free_func ((GDestroyNotify) xapi_event_free);
    }
}

static XapiEventBatch *
parse_batch (XapiJsonReader  *reader,
             XapiCacheFeed   *feed,
             XapiEventMemo   *memo,
             GError         **error)
{
  g_autoptr(XapiEventBatch) batch = xapi_event_batch_new ();
  gboolean saw_events = FALSE;
  const char *key;

  if (xapi_json_reader_peek (reader) != XAPI_JSON_TOKEN_BEGIN_OBJECT)
    {
      g_set_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE,
                   "event.from result is not an object");
      return NULL;
    }
  if (!xapi_json_reader_begin_object (reader))
    goto fail;

  while (xapi_json_reader_next_member (reader, &key, NULL))
    {
      if (g_str_equal (key, "events"))
        {
          if (saw_events)
            {
              g_set_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE,
                           "event.from result has a repeated \"events\"");
              return NULL;
            }
          saw_events = TRUE;
          if (!xapi_json_reader_begin_array (reader))
            goto fail;
          while (xapi_json_reader_next_element (reader))
            {
              XapiEvent *event;

              if (!parse_one_event (reader, memo, &event, error))
                return NULL;
              g_ptr_array_add (batch->events, event);
              feed_when_full (feed, batch);
            }
          if (xapi_json_reader_failed (reader, NULL))
            goto fail;
        }
      else if ((g_str_equal (key, "token") && batch->token != NULL) ||
               (g_str_equal (key, "valid_ref_counts") && batch->ref_counts != NULL))
        {
          g_set_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE,
                       "event.from result has a repeated \"%s\"", key);
          return NULL;
        }
      else if (g_str_equal (key, "token"))
        {
          if ((batch->token = xapi_json_reader_dup_string (reader)) == NULL)
            goto fail;
        }
      else if (g_str_equal (key, "valid_ref_counts"))
        {
          const char *cls;

          batch->ref_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          if (!xapi_json_reader_begin_object (reader))
            goto fail;
          while (xapi_json_reader_next_member (reader, &cls, NULL))
            {
              g_autofree char *name = g_ascii_strdown (cls, -1);
              gint64 count;

              if (!xapi_json_reader_read_int64 (reader, &count))
                goto fail;
              g_hash_table_insert (batch->ref_counts, g_steal_pointer (&name),
                                   GINT_TO_POINTER ((int) CLAMP (count, 0, G_MAXINT)));
            }
          if (xapi_json_reader_failed (reader, NULL))
            goto fail;
        }
      else if (!xapi_json_reader_skip (reader))
        goto fail;
    }
  if (xapi_json_reader_failed (reader, NULL))
    goto fail;

  if (!saw_events || batch->token == NULL)
    {
      g_set_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE,
                   "event.from result lacks events or token");
      return NULL;
    }

  return g_steal_pointer (&batch);

fail:
  xapi_json_reader_failed (reader, error);
  return NULL;
}

XapiEventBatch *
xapi_event_batch_parse (XapiJsonReader  *reader,
                        GError         **error)
{
  return parse_batch (reader, NULL, NULL, error);
}

XapiEventBatch *
_xapi_event_batch_parse_memo (XapiJsonReader  *reader,
                              XapiEventMemo   *memo,
                              GError         **error)
{
  return parse_batch (reader, NULL, memo, error);
}

XapiEventBatch *
_xapi_event_batch_parse_feeding (XapiJsonReader  *reader,
                                 XapiCacheFeed   *feed,
                                 GError         **error)
{
  g_return_val_if_fail (feed != NULL, NULL);
  return parse_batch (reader, feed, NULL, error);
}

/* A get_all_records reply (ref -> record) as a batch of add events; with a
 * feed, handed to it as they come. */
static XapiEventBatch *
parse_records (XapiJsonReader  *reader,
               const char      *class_name,
               XapiCacheFeed   *feed,
               GError         **error)
{
  g_autoptr(XapiEventBatch) batch = xapi_event_batch_new ();
  const XapiClassInfo *info = xapi_class_info_lookup (class_name);
  const char *key;

  if (xapi_json_reader_peek (reader) != XAPI_JSON_TOKEN_BEGIN_OBJECT)
    {
      g_set_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE,
                   "get_all_records result is not an object");
      return NULL;
    }
  if (!xapi_json_reader_begin_object (reader))
    goto fail;

  while (xapi_json_reader_next_member (reader, &key, NULL))
    {
      XapiEvent *event = g_new0 (XapiEvent, 1);

      event->op = XAPI_EVENT_ADD;
      event->class_name = g_strdup (info != NULL ? info->lower_name : class_name);
      event->info = info;
      event->ref = g_strdup (key);
      g_ptr_array_add (batch->events, event);

      if (xapi_json_reader_peek (reader) != XAPI_JSON_TOKEN_BEGIN_OBJECT)
        {
          g_set_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE,
                       "record of %s is not an object", event->ref);
          return NULL;
        }
      event->record = xapi_record_parse (info, reader, error);
      if (event->record == NULL)
        return NULL;
      feed_when_full (feed, batch);
    }
  if (xapi_json_reader_failed (reader, NULL))
    goto fail;

  batch->token = g_strdup ("");
  return g_steal_pointer (&batch);

fail:
  xapi_json_reader_failed (reader, error);
  return NULL;
}

XapiEventBatch *
xapi_event_batch_parse_records (XapiJsonReader  *reader,
                                const char      *class_name,
                                GError         **error)
{
  return parse_records (reader, class_name, NULL, error);
}

XapiEventBatch *
_xapi_event_batch_parse_records_feeding (XapiJsonReader  *reader,
                                         const char      *class_name,
                                         XapiCacheFeed   *feed,
                                         GError         **error)
{
  g_return_val_if_fail (feed != NULL, NULL);
  return parse_records (reader, class_name, feed, error);
}

/* ------------------------------------------------------------------------ */
/* The cache                                                                */

/* Stores are keyed by the class's lower-case name. */
static GListStore *
ensure_store (XapiCache  *self,
              const char *class_name)
{
  const XapiClassInfo *info = xapi_class_info_lookup (class_name);
  g_autofree char *lower = info == NULL ? g_ascii_strdown (class_name, -1) : NULL;
  const char *key = info != NULL ? info->lower_name : lower;
  GListStore *store = g_hash_table_lookup (self->stores, key);

  if (store == NULL)
    {
      store = g_list_store_new (info != NULL ? info->get_type () : XAPI_TYPE_UNKNOWN_OBJECT);
      g_hash_table_insert (self->stores, g_strdup (key), store);
    }
  return store;
}

static void
xapi_cache_dispose (GObject *object)
{
  XapiCache *self = XAPI_CACHE (object);

  if (self->objects.shards[0] != NULL)
    {
      g_autoptr(GPtrArray) all = index_values (&self->objects);

      for (guint i = 0; i < all->len; i++)
        _xapi_object_set_gone (g_ptr_array_index (all, i));
    }
  index_clear (&self->by_uuid);
  g_clear_pointer (&self->stores, g_hash_table_unref);
  index_clear (&self->objects);
  g_weak_ref_clear (&self->connection);

  G_OBJECT_CLASS (xapi_cache_parent_class)->dispose (object);
}

static void
xapi_cache_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  XapiCache *self = XAPI_CACHE (object);

  switch (prop_id)
    {
    case PROP_POPULATED:
      g_value_set_boolean (value, self->populated);
      break;
    case PROP_APPLY_PROGRESS:
      g_value_set_double (value, self->apply_progress);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xapi_cache_class_init (XapiCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xapi_cache_dispose;
  object_class->get_property = xapi_cache_get_property;

  properties[PROP_POPULATED] =
    g_param_spec_boolean ("populated", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_APPLY_PROGRESS] =
    g_param_spec_double ("apply-progress", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[OBJECT_ADDED] =
    g_signal_new ("object-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, XAPI_TYPE_OBJECT);
  signals[OBJECT_REMOVED] =
    g_signal_new ("object-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, XAPI_TYPE_OBJECT);
  signals[BATCH_APPLIED] =
    g_signal_new ("batch-applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
xapi_cache_init (XapiCache *self)
{
  g_weak_ref_init (&self->connection, NULL);
  /* keyed by each object's own ref string */
  index_init (&self->objects, NULL, g_object_unref);
  index_init (&self->by_uuid, g_free, NULL);
  self->stores = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

XapiCache *
xapi_cache_new (XapiConnection *connection)
{
  XapiCache *self = g_object_new (XAPI_TYPE_CACHE, NULL);

  g_weak_ref_set (&self->connection, connection);
  return self;
}

XapiObject *
xapi_cache_lookup (XapiCache  *self,
                   const char *ref)
{
  g_return_val_if_fail (XAPI_IS_CACHE (self), NULL);

  if (ref == NULL)
    return NULL;
  return index_lookup (&self->objects, ref);
}

XapiObject *
xapi_cache_lookup_by_uuid (XapiCache  *self,
                           const char *uuid)
{
  g_return_val_if_fail (XAPI_IS_CACHE (self), NULL);

  if (uuid == NULL)
    return NULL;
  return index_lookup (&self->by_uuid, uuid);
}

gpointer
xapi_cache_lookup_typed (XapiCache  *self,
                         const char *ref,
                         GType       type)
{
  XapiObject *object = xapi_cache_lookup (self, ref);

  if (object != NULL && !g_type_is_a (G_OBJECT_TYPE (object), type))
    return NULL;
  return object;
}

GListModel *
xapi_cache_get_objects (XapiCache *self,
                        GType      type)
{
  const XapiClassInfo *info;

  g_return_val_if_fail (XAPI_IS_CACHE (self), NULL);

  info = xapi_class_info_for_type (type);
  g_return_val_if_fail (info != NULL, NULL);

  return G_LIST_MODEL (ensure_store (self, info->wire_name));
}

GListModel *
xapi_cache_get_objects_by_name (XapiCache  *self,
                                const char *class_name)
{
  g_return_val_if_fail (XAPI_IS_CACHE (self), NULL);
  g_return_val_if_fail (class_name != NULL, NULL);

  return G_LIST_MODEL (ensure_store (self, class_name));
}

guint
xapi_cache_get_n_objects (XapiCache *self)
{
  g_return_val_if_fail (XAPI_IS_CACHE (self), 0);
  return index_size (&self->objects);
}

gboolean
xapi_cache_is_populated (XapiCache *self)
{
  g_return_val_if_fail (XAPI_IS_CACHE (self), FALSE);
  return self->populated;
}

void
_xapi_cache_set_populated (XapiCache *self,
                           gboolean   populated)
{
  populated = !!populated;
  if (self->populated == populated)
    return;
  self->populated = populated;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POPULATED]);
}

gboolean
xapi_cache_is_applying (XapiCache *self)
{
  g_return_val_if_fail (XAPI_IS_CACHE (self), FALSE);
  return self->applying > 0;
}

double
xapi_cache_get_apply_progress (XapiCache *self)
{
  return self->apply_progress;
}

static void
set_apply_progress (XapiCache *self,
                    double     progress)
{
  if (self->apply_progress == progress)
    return;
  self->apply_progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APPLY_PROGRESS]);
}

XapiObject *
xapi_cache_follow (XapiCache  *self,
                   XapiObject *object,
                   const char *ref_field)
{
  const XapiFieldInfo *field;
  const char *ref;

  g_return_val_if_fail (XAPI_IS_CACHE (self), NULL);
  g_return_val_if_fail (XAPI_IS_OBJECT (object), NULL);

  field = xapi_object_find_field (object, ref_field);
  if (field == NULL || field->kind != XAPI_FIELD_REF)
    return NULL;

  ref = G_STRUCT_MEMBER (const char *, object, field->offset);
  if (ref == NULL || g_str_equal (ref, "OpaqueRef:NULL"))
    return NULL;

  return xapi_cache_lookup (self, ref);
}

GPtrArray *
xapi_cache_follow_set (XapiCache  *self,
                       XapiObject *object,
                       const char *refs_field)
{
  GPtrArray *result = g_ptr_array_new ();
  const XapiFieldInfo *field;
  char **refs;

  g_return_val_if_fail (XAPI_IS_CACHE (self), result);
  g_return_val_if_fail (XAPI_IS_OBJECT (object), result);

  field = xapi_object_find_field (object, refs_field);
  if (field == NULL || field->kind != XAPI_FIELD_STRV)
    return result;

  refs = G_STRUCT_MEMBER (char **, object, field->offset);
  for (guint i = 0; refs != NULL && refs[i] != NULL; i++)
    {
      XapiObject *target = xapi_cache_lookup (self, refs[i]);

      if (target != NULL)
        g_ptr_array_add (result, target);
    }

  return result;
}

XapiObject *
xapi_cache_get_pool (XapiCache *self)
{
  GListModel *pools;

  g_return_val_if_fail (XAPI_IS_CACHE (self), NULL);

  pools = G_LIST_MODEL (ensure_store (self, "pool"));
  if (g_list_model_get_n_items (pools) == 0)
    return NULL;

  {
    g_autoptr(XapiObject) pool = g_list_model_get_item (pools, 0);
    return pool;   /* still owned by the store */
  }
}

XapiObject *
xapi_cache_get_master (XapiCache *self)
{
  XapiObject *pool = xapi_cache_get_pool (self);

  if (pool == NULL)
    return NULL;
  return xapi_cache_follow (self, pool, "master");
}

/* Pending additions are gathered per store and spliced in at once, which
 * keeps a 10,000-object initial sync to a handful of items-changed signals. */
typedef struct {
  GListStore *store;
  GPtrArray  *items;
} PendingAdds;

static void
pending_adds_free (PendingAdds *pending)
{
  g_ptr_array_unref (pending->items);
  g_free (pending);
}

static void
index_uuid (XapiCache  *self,
            XapiObject *object)
{
  const char *uuid = xapi_object_get_uuid (object);

  if (uuid != NULL && *uuid != '\0')
    index_replace (&self->by_uuid, g_strdup (uuid), object);
}

static void
unindex_uuid (XapiCache  *self,
              XapiObject *object)
{
  const char *uuid = xapi_object_get_uuid (object);

  if (uuid != NULL && index_lookup (&self->by_uuid, uuid) == object)
    index_remove (&self->by_uuid, uuid);
}

static void
remove_object (XapiCache  *self,
               XapiObject *object)
{
  GListStore *store = ensure_store (self, xapi_object_get_class_name (object));
  guint position;

  g_object_ref (object);   /* the table and the store may hold the last refs */
  unindex_uuid (self, object);
  index_remove (&self->objects, xapi_object_get_ref (object));
  if (g_list_store_find (store, object, &position))
    g_list_store_remove (store, position);
  _xapi_object_set_gone (object);
  g_signal_emit (self, signals[OBJECT_REMOVED], 0, object);
  g_object_unref (object);
}

/* Applied records go to @spent when not NULL, else are freed. */
static void
record_done (XapiEvent *event,
             GPtrArray *spent)
{
  if (spent != NULL)
    g_ptr_array_add (spent, g_steal_pointer (&event->record));
  else
    g_clear_pointer (&event->record, xapi_record_free);
}

static void
apply_event (XapiCache      *self,
             XapiConnection *connection,
             XapiEvent      *event,
             GHashTable     *pending,    /* store -> PendingAdds */
             GPtrArray      *spent)
{
  XapiObject *existing = index_lookup (&self->objects, event->ref);

  if (existing != NULL &&
      g_ascii_strcasecmp (xapi_object_get_class_name (existing), event->class_name) != 0)
    {
      /* one ref for two classes: a broken or hostile server, not xapi */
      g_debug ("event for %s %s ignored: the ref belongs to a %s", event->class_name,
               event->ref, xapi_object_get_class_name (existing));
      return;
    }

  if (event->op == XAPI_EVENT_DEL)
    {
      if (existing != NULL)
        {
          GListStore *store = ensure_store (self, xapi_object_get_class_name (existing));
          PendingAdds *adds = g_hash_table_lookup (pending, store);

          if (adds != NULL && g_ptr_array_remove (adds->items, existing))
            {
              /* added and deleted within one batch: never announced */
              unindex_uuid (self, existing);
              _xapi_object_set_gone (existing);
              index_remove (&self->objects, event->ref);
              return;
            }
          remove_object (self, existing);
        }
      return;
    }

  if (event->record == NULL)
    return;   /* a mod without snapshot carries nothing to apply */

  if (existing != NULL)
    {
      const char *old_uuid = xapi_object_get_uuid (existing);
      g_autofree char *uuid_before = g_strdup (old_uuid);

      _xapi_object_apply_record_take (existing, event->record);
      record_done (event, spent);
      if (g_strcmp0 (uuid_before, xapi_object_get_uuid (existing)) != 0)
        {
          if (uuid_before != NULL && index_lookup (&self->by_uuid, uuid_before) == existing)
            index_remove (&self->by_uuid, uuid_before);
          index_uuid (self, existing);
        }
      return;
    }

  if (_xapi_record_is_partial (event->record))
    {
      /* only what changed, of an object the cache lost: cannot be made */
      g_debug ("event for %s %s ignored: the object is not cached", event->class_name, event->ref);
      return;
    }

  {
    XapiObject *object = _xapi_record_instantiate_take (event->record, connection,
                                                        event->class_name, event->ref);
    GListStore *store = ensure_store (self, xapi_object_get_class_name (object));
    PendingAdds *adds = g_hash_table_lookup (pending, store);

    record_done (event, spent);
    index_replace (&self->objects, (char *) xapi_object_get_ref (object), object);
    index_uuid (self, object);

    if (adds == NULL)
      {
        adds = g_new0 (PendingAdds, 1);
        adds->store = store;
        adds->items = g_ptr_array_new ();
        g_hash_table_insert (pending, store, adds);
      }
    g_ptr_array_add (adds->items, object);
  }
}

static void
flush_pending (XapiCache  *self,
               GHashTable *pending)
{
  GHashTableIter iter;
  PendingAdds *adds;

  g_hash_table_iter_init (&iter, pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &adds))
    {
      g_list_store_splice (adds->store,
                           g_list_model_get_n_items (G_LIST_MODEL (adds->store)),
                           0, adds->items->pdata, adds->items->len);
      for (guint i = 0; i < adds->items->len; i++)
        g_signal_emit (self, signals[OBJECT_ADDED], 0, g_ptr_array_index (adds->items, i));
    }
  g_hash_table_remove_all (pending);
}

static GHashTable *
pending_new (void)
{
  return g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                (GDestroyNotify) pending_adds_free);
}

void
xapi_cache_apply_batch (XapiCache      *self,
                        XapiEventBatch *batch)
{
  g_autoptr(XapiConnection) connection = NULL;
  g_autoptr(GHashTable) pending = pending_new ();

  g_return_if_fail (XAPI_IS_CACHE (self));
  g_return_if_fail (batch != NULL);

  connection = g_weak_ref_get (&self->connection);
  for (guint i = 0; i < batch->events->len; i++)
    apply_event (self, connection, g_ptr_array_index (batch->events, i), pending, NULL);
  flush_pending (self, pending);

  g_signal_emit (self, signals[BATCH_APPLIED], 0, batch->events->len);
}

void
xapi_cache_clear (XapiCache *self)
{
  g_autoptr(GPtrArray) all = NULL;

  g_return_if_fail (XAPI_IS_CACHE (self));

  all = index_values (&self->objects);
  for (guint i = 0; i < all->len; i++)
    remove_object (self, g_ptr_array_index (all, i));
  _xapi_cache_set_populated (self, FALSE);
}

/* ---- chunked apply ------------------------------------------------------ */

typedef struct {
  XapiEventBatch *batch;
  guint           next;
  gboolean        resync;
  gint64          budget_us;
  GHashTable     *pending;
  GHashTable     *seen;     /* refs in the batch, for resync */
  guint           source_id;
  gulong          cancel_id;
  gboolean        open;     /* fed: more events may come (XapiCacheFeed) */
  XapiCacheFeed  *feed;     /* while open */
} ApplyState;

static void feed_give_back (XapiCacheFeed *feed,
                            GPtrArray     *records);

static gpointer
free_batch_thread (gpointer data)
{
  xapi_event_batch_free (data);
  return NULL;
}

static void
apply_state_free (ApplyState *state)
{
  /* The initial sync's batch holds every record of the pool: freeing it
   * takes tens of ms, so it is done off the main loop. */
  if (state->batch != NULL && state->batch->events->len > 1024)
    {
      GThread *thread = g_thread_try_new ("xapi-free", free_batch_thread, state->batch, NULL);

      if (thread != NULL)
        {
          g_thread_unref (thread);
          state->batch = NULL;
        }
    }
  g_clear_pointer (&state->batch, xapi_event_batch_free);
  g_clear_pointer (&state->pending, g_hash_table_unref);
  g_clear_pointer (&state->seen, g_hash_table_unref);
  g_free (state);
}

static void
finish_resync (XapiCache  *self,
               GHashTable *seen)
{
  g_autoptr(GPtrArray) all = index_values (&self->objects);

  for (guint i = 0; i < all->len; i++)
    {
      XapiObject *object = g_ptr_array_index (all, i);

      if (!g_hash_table_contains (seen, xapi_object_get_ref (object)))
        remove_object (self, object);
    }
}

static gboolean
apply_chunk_cb (gpointer user_data)
{
  GTask *task = user_data;
  XapiCache *self = g_task_get_source_object (task);
  ApplyState *state = g_task_get_task_data (task);
  g_autoptr(XapiConnection) connection = g_weak_ref_get (&self->connection);
  gint64 deadline = g_get_monotonic_time () + state->budget_us;
  guint start = state->next;
  guint n = state->batch->events->len;
  g_autoptr(GPtrArray) spent = NULL;

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      state->source_id = 0;
      if (state->open)
        return G_SOURCE_REMOVE;   /* the feed's end returns the task */
      self->applying--;
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }

  if (state->feed != NULL)
    spent = g_ptr_array_new_full (MIN (n - start, 4096), (GDestroyNotify) xapi_record_free);
  while (state->next < n)
    {
      XapiEvent *event = g_ptr_array_index (state->batch->events, state->next++);

      if (state->seen != NULL && event->op != XAPI_EVENT_DEL)
        g_hash_table_add (state->seen, event->ref);
      apply_event (self, connection, event, state->pending, spent);

      /* Checking the clock is cheap but not free: look every 32 events. */
      if ((state->next & 31) == 0 && g_get_monotonic_time () >= deadline)
        break;
    }
  /* (a handler may have ended the feed meanwhile: then they are freed here) */
  if (spent != NULL && state->feed != NULL)
    feed_give_back (state->feed, g_steal_pointer (&spent));
  flush_pending (self, state->pending);
  g_signal_emit (self, signals[BATCH_APPLIED], 0, state->next - start);
  /* While fed, the total is not known yet. */
  if (!state->open)
    set_apply_progress (self, n > 0 ? (double) state->next / n : 1.0);

  if (state->next < n)
    return G_SOURCE_CONTINUE;

  if (state->open)
    {
      /* Caught up with the decoder: wait for the next events. */
      state->source_id = 0;
      return G_SOURCE_REMOVE;
    }

  if (state->resync)
    finish_resync (self, state->seen);

  state->source_id = 0;
  self->applying--;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
apply_task_data_free (gpointer data)
{
  ApplyState *state = data;

  g_clear_handle_id (&state->source_id, g_source_remove);
  apply_state_free (state);
}

static GTask *
apply_task_new (XapiCache           *self,
                XapiEventBatch      *batch,
                gboolean             resync,
                gint64               budget_us,
                gboolean             open,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  GTask *task;
  ApplyState *state;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, xapi_cache_apply_batch_async);

  state = g_new0 (ApplyState, 1);
  state->batch = batch;
  state->resync = resync;
  state->budget_us = budget_us > 0 ? budget_us : 4000;
  state->pending = pending_new ();
  if (resync)
    state->seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_task_set_task_data (task, state, apply_task_data_free);

  state->open = open;
  self->applying++;
  set_apply_progress (self, 0.0);
  return task;
}

static void
apply_schedule (GTask *task)
{
  ApplyState *state = g_task_get_task_data (task);

  /* Below redraw priority, so the UI keeps painting while a sync is applied. */
  if (state->source_id == 0)
    state->source_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, apply_chunk_cb, task, NULL);
}

void
xapi_cache_apply_batch_async (XapiCache           *self,
                              XapiEventBatch      *batch,
                              gboolean             resync,
                              gint64               budget_us,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (XAPI_IS_CACHE (self));
  g_return_if_fail (batch != NULL);

  apply_schedule (apply_task_new (self, batch, resync, budget_us, FALSE,
                                  cancellable, callback, user_data));
}

/* ---- applying a batch while it is decoded -------------------------------- */

struct _XapiCacheFeed
{
  GMutex        lock;
  GPtrArray    *queued;     /* XapiEvent*: decoded, not yet given to the apply */
  GSource      *wake;       /* a pending hand-over to the main context */
  GMainContext *context;
  GTask        *task;       /* the apply; main context only; NULL once ended */
  /* XapiRecord*: applied (their values taken), freed by the decoding thread
   * that allocated them.  Freed on the main thread, every record had to take
   * the lock of the decoder's malloc arena while the decoder held it: a
   * tenth of the initial sync's CPU went to waiting on it. */
  GPtrArray    *spent;
};

static void
feed_free (XapiCacheFeed *feed)
{
  g_clear_pointer (&feed->queued, g_ptr_array_unref);
  g_clear_pointer (&feed->spent, g_ptr_array_unref);
  g_mutex_clear (&feed->lock);
  g_main_context_unref (feed->context);
  /* an unended feed: its apply was never told the end (cancelled with it) */
  if (feed->task != NULL)
    ((ApplyState *) g_task_get_task_data (feed->task))->feed = NULL;
  g_clear_object (&feed->task);
}

XapiCacheFeed *
_xapi_cache_feed_ref (XapiCacheFeed *feed)
{
  return g_atomic_rc_box_acquire (feed);
}

void
_xapi_cache_feed_unref (XapiCacheFeed *feed)
{
  g_atomic_rc_box_release_full (feed, (GDestroyNotify) feed_free);
}

/* Main context: move what the decoder queued into the apply. */
static void
feed_take_queued (XapiCacheFeed *feed)
{
  g_autoptr(GPtrArray) events = NULL;
  ApplyState *state;

  g_mutex_lock (&feed->lock);
  events = g_steal_pointer (&feed->queued);
  if (feed->wake != NULL)
    {
      g_source_destroy (feed->wake);
      g_clear_pointer (&feed->wake, g_source_unref);
    }
  g_mutex_unlock (&feed->lock);

  if (events == NULL || feed->task == NULL)
    return;
  state = g_task_get_task_data (feed->task);
  g_ptr_array_extend_and_steal (state->batch->events, g_steal_pointer (&events));
}

/* Main context: applied records, for the decoder to free. */
static void
feed_give_back (XapiCacheFeed *feed,
                GPtrArray     *records)
{
  g_mutex_lock (&feed->lock);
  if (feed->spent == NULL)
    feed->spent = records;
  else
    g_ptr_array_extend_and_steal (feed->spent, records);
  g_mutex_unlock (&feed->lock);
}

static gboolean
feed_wake_cb (gpointer user_data)
{
  XapiCacheFeed *feed = user_data;

  feed_take_queued (feed);
  if (feed->task != NULL)
    apply_schedule (feed->task);
  return G_SOURCE_REMOVE;
}

XapiCacheFeed *
_xapi_cache_feed_new (XapiCache           *self,
                      gboolean             resync,
                      gint64               budget_us,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  XapiCacheFeed *feed;

  g_return_val_if_fail (XAPI_IS_CACHE (self), NULL);

  feed = g_atomic_rc_box_new0 (XapiCacheFeed);
  g_mutex_init (&feed->lock);
  feed->context = g_main_context_ref_thread_default ();
  feed->task = apply_task_new (self, xapi_event_batch_new (), resync, budget_us, TRUE,
                               cancellable, callback, user_data);
  ((ApplyState *) g_task_get_task_data (feed->task))->feed = feed;
  return feed;
}

void
_xapi_cache_feed_push (XapiCacheFeed *feed,
                       GPtrArray     *events)
{
  g_autoptr(GPtrArray) spent = NULL;

  g_mutex_lock (&feed->lock);
  spent = g_steal_pointer (&feed->spent);
  if (feed->queued == NULL)
    feed->queued = events;
  else
    g_ptr_array_extend_and_steal (feed->queued, events);
  if (feed->wake == NULL)
    {
      feed->wake = g_idle_source_new ();
      g_source_set_priority (feed->wake, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (feed->wake, feed_wake_cb, _xapi_cache_feed_ref (feed),
                             (GDestroyNotify) _xapi_cache_feed_unref);
      g_source_set_static_name (feed->wake, "[xapi] cache feed");
      g_source_attach (feed->wake, feed->context);
    }
  g_mutex_unlock (&feed->lock);
}

void
_xapi_cache_feed_end (XapiCacheFeed  *feed,
                      XapiEventBatch *rest)
{
  g_autoptr(GTask) task = NULL;
  ApplyState *state;

  feed_take_queued (feed);
  task = g_steal_pointer (&feed->task);
  if (task == NULL)
    {
      g_clear_pointer (&rest, xapi_event_batch_free);
      return;
    }
  state = g_task_get_task_data (task);
  state->feed = NULL;
  if (rest == NULL)
    {
      /* the decode failed: what was applied stays, the rest never comes */
      XapiCache *self = g_task_get_source_object (task);

      g_clear_handle_id (&state->source_id, g_source_remove);
      self->applying--;
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The batch was not decoded");
      return;
    }
  /* after what was fed (and maybe applied already) */
  g_ptr_array_extend_and_steal (state->batch->events, g_steal_pointer (&rest->events));
  rest->events = g_ptr_array_new ();
  state->batch->token = g_steal_pointer (&rest->token);
  state->batch->ref_counts = g_steal_pointer (&rest->ref_counts);
  xapi_event_batch_free (rest);
  state->open = FALSE;
  /* the apply's idle owns the task from now on */
  apply_schedule (g_object_ref (task));
}

/* The events of @batch (freed) go to the feed, like a push. */
void
_xapi_cache_feed_push_batch (XapiCacheFeed  *feed,
                             XapiEventBatch *batch)
{
  _xapi_cache_feed_push (feed, g_steal_pointer (&batch->events));
  batch->events = g_ptr_array_new ();
  xapi_event_batch_free (batch);
}

/* The end of a feed whose events were all pushed: the applied batch ends
 * at @token. */
void
_xapi_cache_feed_end_at (XapiCacheFeed *feed,
                         const char    *token)
{
  XapiEventBatch *rest = xapi_event_batch_new ();

  rest->token = g_strdup (token);
  _xapi_cache_feed_end (feed, rest);
}

gboolean
xapi_cache_apply_batch_finish (XapiCache     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xapi_cache_apply_batch_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Used by the connection for tasks it learns of before their add event. */
void
_xapi_cache_insert (XapiCache  *self,
                    XapiObject *object)
{
  GListStore *store;

  if (index_lookup (&self->objects, xapi_object_get_ref (object)) != NULL)
    return;

  store = ensure_store (self, xapi_object_get_class_name (object));
  index_replace (&self->objects, (char *) xapi_object_get_ref (object), g_object_ref (object));
  index_uuid (self, object);
  g_list_store_append (store, object);
  g_signal_emit (self, signals[OBJECT_ADDED], 0, object);
}
