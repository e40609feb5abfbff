package com.comfyjobs.simulator.http;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.util.List;

/** GET /system_stats for a ComfyUI 0.3.64 on one 24 GB CUDA card, with this machine's RAM. */
final class SystemStats {
    static final String COMFYUI_VERSION = "0.3.64";
    private static final long VRAM_TOTAL = 25_386_352_640L;
    private static final long VRAM_FREE = 23_878_762_496L;
    private static final long TORCH_VRAM_FREE = 1_203_765_248L;
    private static final long TORCH_VRAM_TOTAL = 1_350_565_888L;

    private SystemStats() {
    }

    static ObjectNode of(List<String> argv) {
        ObjectNode stats = Json.object();
        ObjectNode system = stats.putObject("system");
        system.put("os", "posix");
        long total = Runtime.getRuntime().maxMemory();
        long free = total - (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            total = os.getTotalMemorySize();
            free = os.getFreeMemorySize();
        }
        system.put("ram_total", total);
        system.put("ram_free", free);
        system.put("comfyui_version", COMFYUI_VERSION);
        system.put("required_frontend_version", "1.27.10");
        system.put("installed_templates_version", "0.1.95");
        system.put("required_templates_version", "0.1.95");
        system.put("python_version", "3.12.11 (main, Jun  4 2025, 04:14:08) [GCC 12.2.0]");
        system.put("pytorch_version", "2.8.0+cu128");
        system.put("embedded_python", false);
        ArrayNode args = system.putArray("argv");
        argv.forEach(args::add);
        ObjectNode device = stats.putArray("devices").addObject();
        device.put("name", "cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync");
        device.put("type", "cuda");
        device.put("index", 0);
        device.put("vram_total", VRAM_TOTAL);
        device.put("vram_free", VRAM_FREE);
        device.put("torch_vram_total", TORCH_VRAM_TOTAL);
        device.put("torch_vram_free", TORCH_VRAM_FREE);
        return stats;
    }
}
