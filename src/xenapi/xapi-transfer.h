/* xapi-transfer.h: XVA export and import over xapi's /export and /import
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each transfer runs on a task made with task.create (shown with the other
 * tasks, progress from the server), over its own libsoup session to the
 * pool master that trusts the same certificate as the connection.  An
 * export is written to a temporary file next to the destination, checked
 * (optionally) and renamed at the end: a failed or cancelled export leaves
 * no file behind.  Cancelling aborts the stream and cancels the task.
 */
#pragma once

#include <gio/gio.h>
#include "xapi-connection.h"

G_BEGIN_DECLS

#define XAPI_TRANSFER_ERROR (xapi_transfer_error_quark ())
GQuark xapi_transfer_error_quark (void);

typedef enum {
  XAPI_TRANSFER_ERROR_HTTP,       /* the server answered with an HTTP error and no task error */
  XAPI_TRANSFER_ERROR_DAMAGED,    /* the file is not a complete, valid XVA */
  XAPI_TRANSFER_ERROR_INCOMPLETE, /* the stream ended before the server said it was done */
} XapiTransferError;

/* The values of /export's use_compression. */
typedef enum {
  XAPI_XVA_COMPRESSION_NONE,
  XAPI_XVA_COMPRESSION_GZIP,
  XAPI_XVA_COMPRESSION_ZSTD,
} XapiXvaCompression;

/* Called on the calling thread's main context while data moves.
 * @fraction: below 1 the progress when known (the task's; for imports the
 * upload is the first half), else -1; exactly 1.0 once an export is all
 * received and its file is being checked. */
typedef void (*XapiTransferProgressFunc) (guint64  bytes,
                                          double   fraction,
                                          gpointer user_data);

/* What xapi_xva_verify found. */
typedef struct {
  char    *vm_name;      /* name_label of the (first) VM in ova.xml */
  guint    n_vms;
  guint    n_disks;      /* VDIs with content in the archive */
  guint    n_chunks;     /* checked chunks */
  guint64  bytes;        /* uncompressed archive size */
} XapiXvaInfo;

void         xapi_xva_info_free          (XapiXvaInfo            *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XapiXvaInfo, xapi_xva_info_free)

/* Reads a whole XVA (plain, gzip or zstd) as an importer would: ova.xml
 * first, every chunk followed by its .checksum (SHA-1) or .xxhash (XXH64)
 * file with the right value, the end-of-archive marker.  Blocking. */
XapiXvaInfo *xapi_xva_verify             (GFile                  *file,
                                          GCancellable           *cancellable,
                                          GError                **error);
void         xapi_xva_verify_async       (GFile                  *file,
                                          GCancellable           *cancellable,
                                          GAsyncReadyCallback     callback,
                                          gpointer                user_data);
XapiXvaInfo *xapi_xva_verify_finish      (GAsyncResult           *result,
                                          GError                **error);

/* XXH64 (the checksum of current xapi's .xxhash files). */
guint64      xapi_xxh64                  (const void             *data,
                                          gsize                   length,
                                          guint64                 seed);

/* Exports the (halted) VM @vm_ref to @destination.  @label names the task.
 * With @verify the file is read back (xapi_xva_verify) before it is moved
 * into place. */
void         xapi_export_vm_async        (XapiConnection         *connection,
                                          const char             *vm_ref,
                                          const char             *label,
                                          XapiXvaCompression      compression,
                                          GFile                  *destination,
                                          gboolean                verify,
                                          XapiTransferProgressFunc progress,
                                          gpointer                progress_data,
                                          GCancellable           *cancellable,
                                          GAsyncReadyCallback     callback,
                                          gpointer                user_data);
gboolean     xapi_export_vm_finish       (XapiConnection         *connection,
                                          GAsyncResult           *result,
                                          GError                **error);

/* Imports the XVA @source into the SR @sr_ref (NULL: the pool's default
 * SR).  Returns the new VM's ref. */
void         xapi_import_vm_async        (XapiConnection         *connection,
                                          GFile                  *source,
                                          const char             *sr_ref,
                                          const char             *label,
                                          XapiTransferProgressFunc progress,
                                          gpointer                progress_data,
                                          GCancellable           *cancellable,
                                          GAsyncReadyCallback     callback,
                                          gpointer                user_data);
char        *xapi_import_vm_finish       (XapiConnection         *connection,
                                          GAsyncResult           *result,
                                          GError                **error);

G_END_DECLS
