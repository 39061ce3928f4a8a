// Control API for the REC Buffer setting (admin only; docs/eternus.md "REC buffer overload"):
// GET and PUT /rec_buffer {"size_mb", "monitoring_time_minutes"}. The core validates and stores it;
// a refused PUT (400) changes nothing.
import type { RecBufferSetting } from '../../core/replication/rec-buffer.ts';
import type { ControlExtension } from './extension.ts';
import { controlRoute, SCHEMAS } from './schemas.ts';

export function recBufferControl(): ControlExtension {
  return {
    registerRoutes(app, { services, requireAdmin }) {
      app.get('/rec_buffer', controlRoute('admin', SCHEMAS.getRecBuffer), async (request) => {
        requireAdmin(request);
        return view(services.recBuffer.get());
      });
      app.put('/rec_buffer', controlRoute('admin', SCHEMAS.putRecBuffer), async (request) => {
        requireAdmin(request);
        return view(services.recBuffer.set(request.body));
      });
    },
  };
}

function view(setting: RecBufferSetting): Record<string, number> {
  return { size_mb: setting.sizeMb, monitoring_time_minutes: setting.monitoringTimeMinutes };
}
