/* sim.h: shared declarations of the xapi simulator
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* ------------------------------------------------------------------ model */

typedef enum {
  SIM_T_STRING,
  SIM_T_INT,
  SIM_T_FLOAT,
  SIM_T_BOOL,
  SIM_T_DATETIME,
  SIM_T_ENUM,
  SIM_T_REF,
  SIM_T_SET,
  SIM_T_MAP,
  SIM_T_RECORD,
  SIM_T_OPTION,
  SIM_T_VOID,
} SimKind;

typedef struct _SimType SimType;
typedef struct _SimEnum SimEnum;
typedef struct _SimClass SimClass;

struct _SimEnum {
  char  *name;
  GStrv  values;
};

struct _SimType {
  SimKind  kind;
  char    *name;      /* enum or class name */
  SimEnum *en;        /* resolved enum */
  SimType *elem;      /* set/option element, map value */
  SimType *key;       /* map key */
};

typedef enum {
  SIM_Q_RO_RUNTIME,
  SIM_Q_RO_CONSTRUCTOR,
  SIM_Q_RW,
} SimQualifier;

typedef struct {
  char         *name;
  SimType      *type;
  SimQualifier  qualifier;
  JsonNode     *def;       /* sealed default value, or NULL for option fields */
  guint         index;
  /* "one" side of a one-to-many relation: the class and set field of the
   * other side that lists this row */
  SimClass     *rel_class;
  guint         rel_field;
  gboolean      has_rel;
  gboolean      is_reverse;  /* maintained from the other side */
} SimField;

typedef struct {
  char      *name;
  SimClass  *cls;
  gboolean   has_session;
  GPtrArray *params;       /* SimField-like: (name, type) without the session */
  GPtrArray *param_names;
  SimType   *result;
  gboolean   async;
  gboolean   implicit;
  gboolean   read_only;    /* roles == read-only */
  guint      min_params;   /* < params->len when trailing params have defaults */
  char      *wire;         /* "Class.msg" */
} SimMessage;

struct _SimClass {
  char       *name;
  char       *lname;        /* lower case, as in events */
  gboolean    gen_events;
  GPtrArray  *fields;       /* SimField */
  GHashTable *field_index;  /* name -> SimField */
  GHashTable *messages;     /* name -> SimMessage */
  GPtrArray  *message_list;
  /* the table */
  GHashTable *rows;         /* ref -> SimRow */
  guint64     max_modified; /* >= the modified generation of every row (event.from skips older classes) */
  gint        name_label;   /* field index or -1 */
  gint        uuid;
};

typedef struct {
  GPtrArray  *classes;
  GHashTable *class_index;   /* name -> SimClass */
  GHashTable *class_lindex;  /* lower name -> SimClass */
  GHashTable *enums;         /* name -> SimEnum */
  GHashTable *errors;        /* code -> GStrv param names */
  GPtrArray  *types;         /* owned SimType */
} SimModel;

SimModel  *sim_model_load        (GBytes      *json,
                                  GError     **error);
void       sim_model_free        (SimModel    *model);
SimClass  *sim_model_class       (SimModel    *model,
                                  const char  *name);
SimField  *sim_class_field       (SimClass    *cls,
                                  const char  *name);
SimMessage *sim_class_message    (SimClass    *cls,
                                  const char  *name);

/* ------------------------------------------------------------------ values */

JsonNode  *sv_str                (const char  *s);
JsonNode  *sv_int                (gint64       i);
JsonNode  *sv_float              (double       d);
JsonNode  *sv_bool               (gboolean     b);
JsonNode  *sv_empty_set          (void);
JsonNode  *sv_empty_map          (void);
JsonNode  *sv_strset             (const char  *first,
                                  ...) G_GNUC_NULL_TERMINATED;
JsonNode  *sv_strmap             (const char  *first_key,
                                  ...) G_GNUC_NULL_TERMINATED;
JsonNode  *sv_now                (double       offset_seconds);
char      *sim_datetime          (gint64       unix_time);
JsonNode  *sim_zero_value        (SimType     *type);
/* Check and canonicalise an incoming value; NULL with *err set (an error
 * description for INTERNAL_ERROR) on mismatch. */
JsonNode  *sim_coerce            (SimModel    *model,
                                  SimType     *type,
                                  JsonNode    *in,
                                  char       **err);

void       sim_write_string      (GString     *out,
                                  const char  *s);
void       sim_write_double      (GString     *out,
                                  double       d);
void       sim_write_node        (GString     *out,
                                  JsonNode    *node);
/* XML-RPC <value> fragment (task results) */
void       sim_write_xmlrpc      (GString     *out,
                                  JsonNode    *node);

/* ------------------------------------------------------------------ db */

typedef struct {
  char      *ref;
  SimClass  *cls;
  guint64    created;
  guint64    modified;
  JsonNode **v;           /* every change of a value must bump modified (sim-db.c) */
  char      *cache;       /* serialised record, valid while cache_gen == modified */
  guint32    cache_len;
  guint64    cache_gen;
  /* A row whose scalar fields are set one at a time (a storm, metrics) keeps
   * where each field's ",\"name\":value" is in the cache, and while only one
   * field changed since (patch_field, as of patch_gen == modified) the cache
   * is patched instead of written again. */
  guint32   *cache_offs;  /* fields + 1 offsets, or NULL */
  gint32     patch_field; /* -1: none */
  guint64    patch_gen;
} SimRow;

typedef struct {
  SimClass *cls;
  char     *ref;
  guint64   created;
  guint64   deleted;
} SimDeleted;

typedef struct _Sim Sim;

SimRow    *sim_db_add            (Sim         *sim,
                                  const char  *cls_name,
                                  const char  *ref);   /* NULL: new ref */
SimRow    *sim_db_get            (Sim         *sim,
                                  SimClass    *cls,
                                  const char  *ref);
SimRow    *sim_db_find           (Sim         *sim,
                                  const char  *ref);   /* any class */
void       sim_db_remove         (Sim         *sim,
                                  SimRow      *row);
void       sim_db_touch          (Sim         *sim,
                                  SimRow      *row);
/* Takes ownership of @value. Maintains relations and generations. */
void       sim_row_set           (Sim         *sim,
                                  SimRow      *row,
                                  const char  *field,
                                  JsonNode    *value);
void       sim_row_set_field     (Sim         *sim,
                                  SimRow      *row,
                                  SimField    *field,
                                  JsonNode    *value);
void       sim_row_set_str       (Sim *sim, SimRow *row, const char *field, const char *value);
void       sim_row_set_int       (Sim *sim, SimRow *row, const char *field, gint64 value);
void       sim_row_set_float     (Sim *sim, SimRow *row, const char *field, double value);
void       sim_row_set_bool      (Sim *sim, SimRow *row, const char *field, gboolean value);
void       sim_row_set_ref       (Sim *sim, SimRow *row, const char *field, SimRow *target);
void       sim_row_map_put       (Sim *sim, SimRow *row, const char *field, const char *key, JsonNode *value);
void       sim_row_map_put_str   (Sim *sim, SimRow *row, const char *field, const char *key, const char *value);
void       sim_row_map_remove    (Sim *sim, SimRow *row, const char *field, const char *key);
void       sim_row_set_add       (Sim *sim, SimRow *row, const char *field, JsonNode *value);
void       sim_row_set_add_str   (Sim *sim, SimRow *row, const char *field, const char *value);
void       sim_row_set_remove    (Sim *sim, SimRow *row, const char *field, JsonNode *value);
JsonNode  *sim_row_value         (SimRow      *row,
                                  const char  *field);
const char *sim_row_str          (SimRow      *row,
                                  const char  *field);
gint64     sim_row_int           (SimRow      *row,
                                  const char  *field);
double     sim_row_float         (SimRow      *row,
                                  const char  *field);
gboolean   sim_row_bool          (SimRow      *row,
                                  const char  *field);
SimRow    *sim_row_deref         (Sim         *sim,
                                  SimRow      *row,
                                  const char  *field);
const char *sim_row_map_get      (SimRow      *row,
                                  const char  *field,
                                  const char  *key);
void       sim_write_record      (GString     *out,
                                  SimRow      *row);
void       sim_db_prewarm        (Sim         *sim);
SimRow    *sim_db_copy_row       (Sim         *sim,
                                  SimRow      *src);  /* new ref + uuid, relations re-linked */
char      *sim_new_ref           (void);
GPtrArray *sim_rows_array        (SimClass    *cls);   /* snapshot of the rows */

/* ------------------------------------------------------------------ calls */

typedef struct _SimCall SimCall;
typedef struct _SimOp SimOp;
typedef void (*SimHandler) (SimCall *call);

struct _SimCall {
  Sim               *sim;
  int                host;          /* index of the host the call arrived on */
  SoupServerMessage *msg;           /* NULL for Async calls and internal ones */
  int                version;       /* JSON-RPC 1 or 2 */
  JsonNode          *id;
  char              *method;        /* wire name as sent */
  SimClass          *cls;
  SimMessage        *m;
  JsonArray         *args;          /* parameters after the session */
  char              *session_ref;
  gboolean           read_only;     /* session of the read-only user */
  char              *task_ref;      /* task row (Async, or short-lived for sync) */
  gboolean           async;
  gboolean           done;
  /* event.from */
  GPtrArray         *subs;          /* lower-case subscriptions */
  guint64            since;
  guint64            since_msg;
  gint64             deadline;      /* monotonic us */
  guint              timer;
  guint              first_look;    /* event_from_delay before the first look */
  SimOp             *op;
};

JsonNode   *sim_arg              (SimCall     *call,
                                  guint        i);
const char *sim_arg_str          (SimCall     *call,
                                  guint        i);
/* Argument i as a row of the class named by the message parameter type;
 * fails the call with HANDLE_INVALID and returns NULL when missing. */
SimRow     *sim_arg_row          (SimCall     *call,
                                  guint        i);
void        sim_call_return      (SimCall     *call,
                                  JsonNode    *result);   /* owned; NULL: void */
void        sim_call_fail        (SimCall     *call,
                                  GStrv        error);    /* owned */
void        sim_call_failf       (SimCall     *call,
                                  const char  *code,
                                  ...) G_GNUC_NULL_TERMINATED;
GStrv       sim_error            (const char  *code,
                                  ...) G_GNUC_NULL_TERMINATED;

/* operations that take simulated time */
typedef void (*SimOpFunc) (SimOp *op);
struct _SimOp {
  SimCall       *call;
  SimRow        *target;       /* object whose current_operations we hold, or NULL */
  char          *target_ref;
  char          *opname;
  double         seconds;      /* simulated duration (already scaled) */
  gint64         started;
  guint          timer;
  gboolean       cancelled;
  SimOpFunc      finish;       /* must return/fail the call */
  SimOpFunc      cancel;       /* optional rollback */
  gpointer       data;
  GDestroyNotify data_free;
  gint64         i1;
  char          *s1;
};
/* Starts an operation on the call's task: adds current_operations on
 * @target, moves the task's progress, then calls @finish. */
SimOp      *sim_op_start         (SimCall     *call,
                                  SimRow      *target,
                                  const char  *opname,
                                  double       seconds,
                                  SimOpFunc    finish,
                                  SimOpFunc    cancel);
gboolean    sim_task_cancel      (Sim         *sim,
                                  const char  *task_ref);

/* ------------------------------------------------------------------ simulator */

typedef struct _SimNet SimNet;

typedef struct {
  char       *method;
  GStrv       error;
  int         count;
} SimFailNext;

struct _Sim {
  SimModel   *model;
  GMainLoop  *loop;
  guint64     gen;
  guint64     msg_gen;
  GPtrArray  *deleted;        /* SimDeleted* */
  GHashTable *all_rows;       /* ref -> SimRow */
  GHashTable *handlers;       /* "Class.msg" -> SimHandler */
  GHashTable *ops;            /* task ref -> SimOp */
  GList      *waiters;        /* SimCall* blocked in event.from */
  guint       waiter_check;
  GRand      *rand;

  /* options */
  char       *scenario;
  int         n_hosts;
  int         n_vms;
  char       *address;        /* base address, 127.0.0.1 */
  int         port;
  gboolean    tls;
  gboolean    per_host_certs; /* each host its own TLS certificate */
  char       *user;
  char       *password;
  double      time_scale;
  int         control_port;

  /* pool */
  GPtrArray  *hosts;          /* SimRow* in listening order */
  GPtrArray  *host_addrs;     /* char* */
  int         master;
  gboolean    toolstack_down;

  SimNet     *net;

  /* faults */
  int         delay_ms;
  int         delay_count;    /* -1: until clear */
  char       *corrupt_mode;
  char       *corrupt_method;
  int         corrupt_count;
  GPtrArray  *fail_next;      /* SimFailNext* */
  guint       storm_timer;
  gint64      storm_end;
  double      storm_rate;
  double      storm_budget;
  gint64      storm_last;
  SimClass   *storm_class;
  char       *storm_field;
  guint64     storm_counter;

  /* stats */
  guint64     calls;
  guint64     events_served;
  GHashTable *keylog;         /* VM ref -> GString of key events */
};

extern Sim *the_sim;

/* rpc */
void        sim_rpc_init         (Sim         *sim);
void        sim_rpc_handle       (Sim         *sim,
                                  SoupServerMessage *msg,
                                  int          host);
void        sim_db_changed       (Sim         *sim);
void        sim_events_abort_all (Sim         *sim,
                                  gboolean     session_invalid);
void        sim_register         (Sim         *sim,
                                  const char  *wire,
                                  SimHandler   handler);
SimRow     *sim_session_get      (Sim         *sim,
                                  const char  *ref);
void        sim_sessions_clear   (Sim         *sim);
void        sim_tasks_clear      (Sim         *sim);
SimRow     *sim_task_new         (Sim         *sim,
                                  const char  *label,
                                  int          host);
void        sim_task_complete    (Sim         *sim,
                                  SimRow      *task,
                                  JsonNode    *result);
void        sim_task_fail        (Sim         *sim,
                                  SimRow      *task,
                                  GStrv        error);
SimRow     *sim_message_new      (Sim         *sim,
                                  const char  *name,
                                  gint64       priority,
                                  SimRow      *obj,
                                  const char  *body);
double      sim_scaled           (Sim         *sim,
                                  double       seconds);
SimRow     *sim_pool             (Sim         *sim);
SimRow     *sim_master           (Sim         *sim);

/* ops */
void        sim_ops_init         (Sim         *sim);
void        sim_vm_update_allowed (Sim        *sim,
                                  SimRow      *vm);
void        sim_update_allowed_all (Sim       *sim);
SimRow     *sim_vm_create_console (Sim        *sim,
                                  SimRow      *vm,
                                  SimRow      *host);
void        sim_vm_set_running   (Sim         *sim,
                                  SimRow      *vm,
                                  SimRow      *host,
                                  const char  *state);

void        sim_ops2_init        (Sim         *sim);

/* scenarios */
gboolean    sim_scenario_load    (Sim         *sim,
                                  GError     **error);
gboolean    sim_statedb_load     (Sim         *sim,
                                  const char  *path,
                                  GError     **error);

/* net */
gboolean    sim_net_start        (Sim         *sim,
                                  GError     **error);
void        sim_net_stop         (Sim         *sim);
void        sim_net_drop_connections (Sim     *sim);
void        sim_net_restart      (Sim         *sim,
                                  double       down_seconds);
void       sim_net_kill_master   (Sim *sim, double promote_seconds);
guint       sim_net_connection_count (Sim     *sim);
GTlsCertificate *sim_net_host_certificate (Sim *sim, int host);
gboolean    sim_net_replace_certificate (Sim  *sim,
                                  int          host,
                                  gboolean     publish,
                                  GError     **error);
guint       sim_console_request_count (Sim    *sim);
char       *sim_host_url         (Sim         *sim,
                                  int          host);
int         sim_host_index       (Sim         *sim,
                                  SimRow      *host);
void        sim_control_handle   (Sim         *sim,
                                  SoupServerMessage *msg,
                                  const char  *path);

/* copy both ways between two streams until either ends */
void        sim_pump_start       (GIOStream   *a,
                                  GSocket     *sa,
                                  GIOStream   *b,
                                  GSocket     *sb);

/* http side channels */
void        sim_http_handle      (Sim         *sim,
                                  SoupServerMessage *msg,
                                  const char  *path,
                                  int          host);
void        sim_console_connect  (Sim         *sim,
                                  GIOStream   *stream,
                                  const char  *head,
                                  int          host);
void        sim_console_stop_all (Sim         *sim);

G_END_DECLS
