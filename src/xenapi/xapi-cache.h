/* xapi-cache.h: the live object cache of one connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include "xapi-object.h"

G_BEGIN_DECLS

#define XAPI_TYPE_CACHE (xapi_cache_get_type ())
G_DECLARE_FINAL_TYPE (XapiCache, xapi_cache, XAPI, CACHE, GObject)

/* Signals:
 *   "object-added"   (XapiObject *object)     after it is in its store
 *   "object-removed" (XapiObject *object)     after it left its store; object is marked gone
 *   "batch-applied"  (guint n_events)         after each applied event batch (or chunk of the initial sync)
 * Property "populated" (gboolean): TRUE once the initial sync has been applied completely.
 */

XapiCache      *xapi_cache_new                (XapiConnection *connection);  /* weak ref */

/* Identity map: one object per server object, updated in place. Transfer none. */
XapiObject     *xapi_cache_lookup             (XapiCache      *self,
                                               const char     *ref);
XapiObject     *xapi_cache_lookup_by_uuid     (XapiCache      *self,
                                               const char     *uuid);
/* Typed lookup: NULL if the ref is unknown, NULL/"OpaqueRef:NULL", or of another type. */
gpointer        xapi_cache_lookup_typed       (XapiCache      *self,
                                               const char     *ref,
                                               GType           type);

/* One GListStore per class, created on demand, never replaced.  Item type is
 * the generated class (e.g. XAPI_TYPE_VM).  Transfer none. */
GListModel     *xapi_cache_get_objects        (XapiCache      *self,
                                               GType           type);
GListModel     *xapi_cache_get_objects_by_name (XapiCache     *self,
                                               const char     *class_name);  /* "VM", any case */
guint           xapi_cache_get_n_objects      (XapiCache      *self);        /* all classes */
gboolean        xapi_cache_is_populated       (XapiCache      *self);

/* Follow a ref field of @object (e.g. "resident_on", "VDI", "SR", "metrics");
 * transfer none, NULL when null/unknown. */
XapiObject     *xapi_cache_follow             (XapiCache      *self,
                                               XapiObject     *object,
                                               const char     *ref_field);
/* Resolve a set-of-refs field (e.g. VM "VBDs") into a new GPtrArray of objects
 * (transfer container; unknown refs skipped). */
GPtrArray      *xapi_cache_follow_set         (XapiCache      *self,
                                               XapiObject     *object,
                                               const char     *refs_field);
/* The pool object (there is exactly one per connected pool) and its master. */
XapiObject     *xapi_cache_get_pool           (XapiCache      *self);
XapiObject     *xapi_cache_get_master         (XapiCache      *self);

/* ---- Used by XapiConnection (and tests feeding batches directly) ---- */

typedef enum {
  XAPI_EVENT_ADD,
  XAPI_EVENT_MOD,
  XAPI_EVENT_DEL,
} XapiEventOp;

typedef struct {
  XapiEventOp          op;
  char                *class_name;  /* wire case as sent ("vm"); resolved via the registry */
  const XapiClassInfo *info;        /* NULL for unknown classes */
  char                *ref;
  XapiRecord          *record;      /* NULL for del (or a snapshot-less event) */
} XapiEvent;

typedef struct _XapiEventBatch XapiEventBatch;

/* Parse an event.from result ({"events":[...],"valid_ref_counts":{...},"token":"..."})
 * or a get_all_records result (a ref-keyed object, as "add" events of @class_name).
 * Thread-safe (used as an XapiRpcResultParser in a worker thread). */
XapiEventBatch *xapi_event_batch_parse        (XapiJsonReader *reader,
                                               GError        **error);
XapiEventBatch *xapi_event_batch_parse_records (XapiJsonReader *reader,
                                               const char     *class_name,
                                               GError        **error);
void            xapi_event_batch_free         (XapiEventBatch *batch);
const char     *xapi_event_batch_get_token    (XapiEventBatch *batch);
guint           xapi_event_batch_get_n_events (XapiEventBatch *batch);
XapiEvent      *xapi_event_batch_get_event    (XapiEventBatch *batch,
                                               guint           index);
/* valid_ref_counts: lowercased class -> count; transfer none; may be NULL. */
GHashTable     *xapi_event_batch_get_ref_counts (XapiEventBatch *batch);

/* Apply a whole batch now (small batches). */
void            xapi_cache_apply_batch        (XapiCache      *self,
                                               XapiEventBatch *batch);
/* Apply a batch in chunks from idle callbacks so that no main-loop iteration
 * spends more than @budget_us microseconds; @callback runs when done.
 * Takes ownership of @batch.  With @resync, objects not present in the
 * batch are removed once it is applied (a full resync after reconnect). */
void            xapi_cache_apply_batch_async  (XapiCache      *self,
                                               XapiEventBatch *batch,
                                               gboolean        resync,
                                               gint64          budget_us,
                                               GCancellable   *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer        user_data);
gboolean        xapi_cache_apply_batch_finish (XapiCache      *self,
                                               GAsyncResult   *result,
                                               GError        **error);
/* Progress of the current chunked apply, 0..1. */
double          xapi_cache_get_apply_progress (XapiCache      *self);
/* TRUE while a batch is being applied in chunks ("apply-progress" moves);
 * consumers that re-sort or re-filter everything can wait for the end. */
gboolean        xapi_cache_is_applying    (XapiCache      *self);
void            xapi_cache_clear              (XapiCache      *self);

/* Applying a batch while it is still decoded (the initial sync): the decoder
 * (any thread) pushes its events as they come, the main context applies
 * them in chunks as xapi_cache_apply_batch_async() does, and the end hands
 * over the rest of the batch (or NULL: the decode failed; what was applied
 * stays).  @callback runs once everything is applied, or with
 * G_IO_ERROR_CANCELLED.  Every feed must be ended, on the context that
 * created it. */
typedef struct _XapiCacheFeed XapiCacheFeed;

XapiCacheFeed  *_xapi_cache_feed_new          (XapiCache      *self,
                                               gboolean        resync,
                                               gint64          budget_us,
                                               GCancellable   *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer        user_data);
XapiCacheFeed  *_xapi_cache_feed_ref          (XapiCacheFeed  *feed);
void            _xapi_cache_feed_unref        (XapiCacheFeed  *feed);
void            _xapi_cache_feed_push         (XapiCacheFeed  *feed,
                                               GPtrArray      *events);
void            _xapi_cache_feed_end          (XapiCacheFeed  *feed,
                                               XapiEventBatch *rest);
void            _xapi_cache_feed_push_batch   (XapiCacheFeed  *feed,
                                               XapiEventBatch *batch);
void            _xapi_cache_feed_end_at       (XapiCacheFeed  *feed,
                                               const char     *token);
XapiEventBatch *_xapi_event_batch_parse_feeding (XapiJsonReader *reader,
                                                 XapiCacheFeed  *feed,
                                                 GError        **error);
XapiEventBatch *_xapi_event_batch_parse_records_feeding (XapiJsonReader *reader,
                                                         const char     *class_name,
                                                         XapiCacheFeed  *feed,
                                                         GError        **error);
/* What the event loop last decoded of each object that had a mod event: a
 * hash of each field's text, so that the next mod event of the object decodes
 * only the fields that changed.  Right only while every batch decoded with
 * it is applied to the cache, in order, and nothing else changes the cached
 * objects (tasks are left out): one memo per generation of the event loop. */
typedef struct _XapiEventMemo XapiEventMemo;

XapiEventMemo  *_xapi_event_memo_new          (void);
XapiEventMemo  *_xapi_event_memo_ref          (XapiEventMemo  *memo);
void            _xapi_event_memo_unref        (XapiEventMemo  *memo);
XapiEventBatch *_xapi_event_batch_parse_memo  (XapiJsonReader *reader,
                                               XapiEventMemo  *memo,
                                               GError        **error);
void            _xapi_cache_insert            (XapiCache      *self,
                                               XapiObject     *object);
void            _xapi_cache_set_populated     (XapiCache      *self,
                                               gboolean        populated);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XapiEventBatch, xapi_event_batch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XapiCacheFeed, _xapi_cache_feed_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XapiEventMemo, _xapi_event_memo_unref)

G_END_DECLS
