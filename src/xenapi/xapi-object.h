/* xapi-object.h: base class of every cached XenAPI object
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include "xapi-json.h"

G_BEGIN_DECLS

typedef struct _XapiConnection XapiConnection;

/* How a field is stored in the C instance struct. */
typedef enum {
  XAPI_FIELD_STRING,     /* char *            (string)                           */
  XAPI_FIELD_REF,        /* char *            (X ref; "OpaqueRef:NULL" kept as is) */
  XAPI_FIELD_INT,        /* gint64            (int)                              */
  XAPI_FIELD_FLOAT,      /* double            (float; NaN/Inf allowed)           */
  XAPI_FIELD_BOOL,       /* gboolean          (bool)                             */
  XAPI_FIELD_DATETIME,   /* GDateTime *       (datetime; NULL when unparsable)   */
  XAPI_FIELD_ENUM,       /* int (GEnum value) (enum; 0 = the _UNRECOGNISED value) */
  XAPI_FIELD_STRV,       /* char **           (set of string/ref/enum/int: wire text of each) */
  XAPI_FIELD_MAP,        /* GHashTable *      (map: key text -> value text; values that are
                                               not strings are kept as their JSON text) */
  XAPI_FIELD_JSON,       /* char *            (records, options, sets of records...: raw JSON text) */
} XapiFieldKind;

typedef struct {
  const char    *wire_name;   /* "name_label", "VCPUs_max" */
  const char    *type;        /* datamodel type string: "string", "VM ref", "(string -> string) map" */
  XapiFieldKind  kind;
  GType          enum_type;   /* XAPI_FIELD_ENUM only; G_TYPE_INVALID otherwise (resolved lazily) */
  GType        (*enum_get_type) (void);
  gsize          offset;      /* G_STRUCT_OFFSET into the instance */
  guint          prop_id;     /* property id in the generated class (1-based) */
  gboolean       writable;    /* RW qualifier */
} XapiFieldInfo;

typedef struct {
  const char          *wire_name;   /* "VM", "VM_metrics", "host" */
  const char          *lower_name;  /* "vm", "vm_metrics": event class names */
  GType              (*get_type) (void);
  const XapiFieldInfo *fields;
  guint                n_fields;
  gboolean             gen_events;  /* FALSE for session, user, secret, ... */
} XapiClassInfo;

/* Registry of generated classes (xapi-classes.c, generated).  Lookup accepts
 * the wire name in any case ("vm", "VM").  Returns NULL for unknown classes. */
const XapiClassInfo  *xapi_class_info_lookup      (const char *name);
const XapiClassInfo  *xapi_class_info_for_type    (GType       type);
const XapiClassInfo *const *xapi_class_info_all   (guint      *n_classes);
const XapiFieldInfo  *xapi_class_info_find_field  (const XapiClassInfo *info,
                                                   const char          *wire_name);

#define XAPI_TYPE_OBJECT (xapi_object_get_type ())
G_DECLARE_DERIVABLE_TYPE (XapiObject, xapi_object, XAPI, OBJECT, GObject)

struct _XapiObjectClass
{
  GObjectClass parent_class;

  /*< private >*/
  gpointer padding[8];
};

/* Properties of every object: "ref" (construct-only), "uuid", "class-name",
 * "connection" (weak, construct-only), "gone" (TRUE once deleted on the server). */
const char     *xapi_object_get_ref          (XapiObject *self);
const char     *xapi_object_get_uuid         (XapiObject *self);
const char     *xapi_object_get_class_name   (XapiObject *self);   /* wire name, "VM" */
XapiConnection *xapi_object_get_connection   (XapiObject *self);   /* transfer none, may be NULL */
gboolean        xapi_object_is_gone          (XapiObject *self);
void            _xapi_object_set_gone        (XapiObject *self);
const XapiClassInfo *xapi_object_get_class_info (XapiObject *self);

/* Fields the datamodel does not know (newer servers): wire name -> raw JSON
 * text.  Transfer none; may be NULL when there are none. */
GHashTable     *xapi_object_get_extra_fields (XapiObject *self);
/* Raw JSON text of any field, known or not (newly allocated), or NULL. */
char           *xapi_object_dup_field_json   (XapiObject *self,
                                              const char *wire_name);

/* Generic property access by wire name for UI code and tests. */
const XapiFieldInfo *xapi_object_find_field  (XapiObject *self,
                                              const char *wire_name);

/* ---- Records: parsed off the main thread, applied on it ---------------- */

typedef struct _XapiRecord XapiRecord;

/* Parse one JSON object (the reader is positioned on '{') into a record of
 * typed values for @info (which may be NULL for unknown classes: every field
 * is then kept as raw JSON).  Thread-safe.  Type mismatches in a field do not
 * fail the record: the field is kept as raw JSON in the extra fields and a
 * debug message is logged; syntax errors fail (returns NULL, error set). */
XapiRecord     *xapi_record_parse            (const XapiClassInfo *info,
                                              XapiJsonReader      *reader,
                                              GError             **error);
XapiRecord     *xapi_record_parse_node       (const XapiClassInfo *info,
                                              JsonNode            *node,
                                              GError             **error);
void            xapi_record_free             (XapiRecord          *record);
guint           xapi_record_get_n_values     (XapiRecord          *record);

/* Create a new object of the record's class (XapiUnknownObject when @info
 * was NULL, with @class_name) holding the record's values.  Consumes nothing:
 * the record may be freed afterwards.  Emits no notifications. */
XapiObject     *xapi_record_instantiate      (XapiRecord          *record,
                                              XapiConnection      *connection,
                                              const char          *class_name,
                                              const char          *ref);

/* Apply a record to an existing object: each field whose value differs is
 * replaced and notified exactly once (inside freeze/thaw); equal fields emit
 * nothing.  Returns the number of fields that changed. */
guint           xapi_object_apply_record     (XapiObject          *self,
                                              XapiRecord          *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XapiRecord, xapi_record_free)

/* An object of a class the datamodel does not know; all fields are extra. */
#define XAPI_TYPE_UNKNOWN_OBJECT (xapi_unknown_object_get_type ())
G_DECLARE_FINAL_TYPE (XapiUnknownObject, xapi_unknown_object, XAPI, UNKNOWN_OBJECT, XapiObject)

G_END_DECLS
