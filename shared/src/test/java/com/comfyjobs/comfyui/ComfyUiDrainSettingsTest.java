package com.comfyjobs.comfyui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.secrets.Secrets;
import java.net.URI;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** COMFYUI_DRAIN as read at start, and the server names that metrics and the drain share. */
class ComfyUiDrainSettingsTest {
    private static final String URLS = "http://gpu-1:8188, https://ops:s3cret@gpu-2.example.com/comfy/?token=t0ken, http://gpu-3:8188/";

    private static ComfyUiSettings read(String drain) {
        Map<String, String> vars = new HashMap<>(Map.of("COMFYUI_URLS", URLS));
        if (drain != null) {
            vars.put("COMFYUI_DRAIN", drain);
        }
        Env env = new Env(vars);
        return ComfyUiSettings.fromEnv(env, Secrets.fromEnv(env, Clock.systemUTC()));
    }

    @Test
    void aServersNameIsItsUrlWithoutCredentialsQueryOrTrailingSlash() {
        assertEquals("http://gpu-1:8188", ComfyUiSettings.nameOf(URI.create("http://gpu-1:8188/")));
        assertEquals("https://gpu-2.example.com/comfy", ComfyUiSettings.nameOf(URI.create("https://ops:s3cret@gpu-2.example.com/comfy/?token=t0ken")));
    }

    @Test
    void nothingIsDrainedUnlessSaid() {
        assertEquals(List.of(), read(null).drained());
        assertEquals(List.of(), read("").drained());
        assertEquals(List.of(), read(" , ").drained());
    }

    @Test
    void aServerIsDrainedByItsUrlAsWrittenInComfyUiUrlsOrByItsName() {
        ComfyUiSettings s = read("http://gpu-3:8188/, https://gpu-2.example.com/comfy");
        assertEquals(List.of(s.servers().get(2), s.servers().get(1)), s.drained());
        assertEquals(s.drained(), read("http://gpu-3:8188,https://ops:s3cret@gpu-2.example.com/comfy/?token=t0ken").drained());
        ComfyUiPool pool = new ComfyUiPool(s, Clock.systemUTC());
        assertTrue(pool.drained("http://gpu-3:8188"));
        assertTrue(pool.drained(s.servers().get(1).toString()), "as jobs record it");
        assertFalse(pool.drained("http://gpu-1:8188"));
        assertTrue(s.toString().contains("drained=[http://gpu-3:8188, https://gpu-2.example.com/comfy]"), "logged by name: " + s);
    }

    @Test
    void anEntryThatNamesNoServerStopsTheStartNamingTheVariableWithoutEchoingCredentials() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> read("http://gpu-4:8188"));
        assertTrue(unknown.getMessage().startsWith("COMFYUI_DRAIN"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("http://gpu-4:8188"), unknown.getMessage());
        ConfigException withSecret = assertThrows(ConfigException.class, () -> read("https://ops:other@gpu-9.example.com"));
        assertFalse(withSecret.getMessage().contains("other@"), withSecret.getMessage());
        for (String bad : List.of("gpu-1", "1", "http://gpu 1", "http://gpu-1:8189")) {
            ConfigException e = assertThrows(ConfigException.class, () -> read(bad), bad);
            assertTrue(e.getMessage().startsWith("COMFYUI_DRAIN"), e.getMessage());
        }
    }
}
