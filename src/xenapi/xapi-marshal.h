/* xapi-marshal.h: JSON <-> C helpers for the generated classes and wrappers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Used by the code generated from the datamodel (codegen/gen.py) and by
 * xapi-object.c / xapi-record.c.  Not meant for application code, but safe to
 * call from tests.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "xapi-object.h"
#include "xapi-connection.h"

G_BEGIN_DECLS

/* ---- values ------------------------------------------------------------ */

/* "%Y%m%dT%H:%M:%SZ" in UTC (xapi's wire form).  Newly allocated. */
char        *xapi_marshal_format_datetime   (GDateTime   *dt);
/* Accepts 20240420T12:00:00Z, 2024-04-20T12:00:00Z, without Z (UTC), with
 * fractional seconds, with +hh:mm / -hh:mm / +hhmm offsets, and a bare date.
 * Returns NULL when unparsable. */
GDateTime   *xapi_marshal_parse_datetime    (const char  *text,
                                             gssize       len);
/* Exact decimal int64 (optional sign, surrounding blanks allowed). */
gboolean     xapi_marshal_parse_int64       (const char  *text,
                                             gsize        len,
                                             gint64      *out);
/* Enum nick lookup: exact, then ASCII case-insensitive, else 0 (UNRECOGNISED). */
int          xapi_marshal_enum_from_nick    (GType        enum_type,
                                             const char  *nick);
/* Nick of @value, or NULL when it is 0 (UNRECOGNISED) or out of range. */
const char  *xapi_marshal_enum_to_nick      (GType        enum_type,
                                             int          value);

/* Conversions between C and json-glib values (transfer full results). */
JsonArray   *xapi_marshal_strv_to_array     (const char * const *strv,
                                             XapiFieldKind       elem_kind);
char       **xapi_marshal_array_to_strv     (JsonArray   *array);     /* element text; NULL if not scalar */
JsonObject  *xapi_marshal_map_to_object     (GHashTable  *map,
                                             XapiFieldKind value_kind);
GHashTable  *xapi_marshal_object_to_map     (JsonObject  *object);    /* values as text / JSON text */
/* Text of a scalar node (string as is, numbers as xapi prints them, bools
 * "true"/"false"), or the compact JSON of anything else.  Newly allocated. */
char        *xapi_marshal_node_to_text      (JsonNode    *node);

/* ---- building parameter arrays (used by generated wrappers) ------------ */

void _xapi_marshal_add_string   (JsonArray *p, const char *value);          /* NULL -> "" */
void _xapi_marshal_add_ref      (JsonArray *p, const char *value);          /* NULL -> "OpaqueRef:NULL" */
void _xapi_marshal_add_enum     (JsonArray *p, GType enum_type, int value);
void _xapi_marshal_add_strv     (JsonArray *p, const char * const *strv, XapiFieldKind elem_kind);
void _xapi_marshal_add_map      (JsonArray *p, GHashTable *map, XapiFieldKind value_kind);
void _xapi_marshal_add_datetime (JsonArray *p, GDateTime *dt);
void _xapi_marshal_add_object   (JsonArray *p, JsonObject *object);         /* NULL -> {} */
void _xapi_marshal_add_node     (JsonArray *p, JsonNode *node);             /* NULL -> null */

/* ---- calls (GTask glue; @tag is the _async function) --------------------- */

void        _xapi_call_async          (XapiConnection *connection, const char *method, JsonArray *params,
                                       gpointer tag, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
void        _xapi_call_as_task_async  (XapiConnection *connection, const char *method, JsonArray *params,
                                       gpointer tag, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
gboolean    _xapi_finish_void     (XapiConnection *c, GAsyncResult *r, gpointer tag, GError **error);
char       *_xapi_finish_string   (XapiConnection *c, GAsyncResult *r, gpointer tag, GError **error);
char      **_xapi_finish_strv     (XapiConnection *c, GAsyncResult *r, gpointer tag, GError **error);
GHashTable *_xapi_finish_map      (XapiConnection *c, GAsyncResult *r, gpointer tag, GError **error);
gboolean    _xapi_finish_int      (XapiConnection *c, GAsyncResult *r, gpointer tag, gint64 *out, GError **error);
gboolean    _xapi_finish_double   (XapiConnection *c, GAsyncResult *r, gpointer tag, double *out, GError **error);
gboolean    _xapi_finish_bool     (XapiConnection *c, GAsyncResult *r, gpointer tag, gboolean *out, GError **error);
gboolean    _xapi_finish_enum     (XapiConnection *c, GAsyncResult *r, gpointer tag, GType enum_type,
                                   int *out, GError **error);
GDateTime  *_xapi_finish_datetime (XapiConnection *c, GAsyncResult *r, gpointer tag, GError **error);
JsonNode   *_xapi_finish_node     (XapiConnection *c, GAsyncResult *r, gpointer tag, GError **error);
XapiTask   *_xapi_finish_task     (XapiConnection *c, GAsyncResult *r, gpointer tag, GError **error);

/* ---- generated class support (xapi-object.c) ----------------------------- */

/* Installs one read-only property per field, sets get_property/finalize. */
void        _xapi_object_class_setup  (GObjectClass *klass, const XapiClassInfo *info);
/* The param spec notified for field @index of @info's class. */
GParamSpec *_xapi_object_field_pspec  (const XapiClassInfo *info, guint index);

const char * const *_xapi_strv_or_empty (char      **strv);
GHashTable         *_xapi_map_or_empty  (GHashTable *map);

/* Object internals shared by xapi-object.c and xapi-record.c. */
GHashTable *_xapi_object_ensure_extra (XapiObject *self);       /* wire name -> raw JSON text */
/* A new object with its ref, connection and (for unknown classes) class name,
 * set without the construct properties' overhead. */
XapiObject *_xapi_object_new_identified (GType type, XapiConnection *connection,
                                         const char *ref, const char *class_name);
void        _xapi_field_clear         (gpointer slot, XapiFieldKind kind);
/* Index of @wire_name in @info->fields, or -1.  Lock-free after first use. */
int         _xapi_class_info_field_index (const XapiClassInfo *info, const char *wire_name);

/* As xapi_object_apply_record() and xapi_record_instantiate(), but the
 * record's values move into the object: @record is left fit only to be freed. */
guint       _xapi_object_apply_record_take (XapiObject *self, XapiRecord *record);
/* xapi_record_parse() of a known class, given a hash of each field's raw
 * text (n_fields entries): with @compare, fields whose text has the same hash
 * are left out of the record; every other entry is set. */
XapiRecord *_xapi_record_parse_changed (const XapiClassInfo *info, XapiJsonReader *reader,
                                        guint64 *hashes, gboolean compare, GError **error);
gboolean    _xapi_record_is_partial    (XapiRecord *record);
XapiObject *_xapi_record_instantiate_take  (XapiRecord     *record,
                                            XapiConnection *connection,
                                            const char     *class_name,
                                            const char     *ref);

/* A shared, interned copy of a short string (never freed). */
const char *_xapi_intern (const char *str, gsize len);

G_END_DECLS
