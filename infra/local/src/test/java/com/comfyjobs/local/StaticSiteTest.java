package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The site's paths and template.yaml's routes never meet: the emulator tries the routes first, so a route on a site path would hide a file. */
class StaticSiteTest {
    @Test
    void noRouteOfTheTemplateTakesAPathOfTheSite() {
        StaticSite site = StaticSite.load("user", "dev", 3001);
        List<TemplateRoutes.Route> routes = TemplateRoutes.load().routes();
        int paths = 0;
        for (String path : site.paths()) {
            paths++;
            for (TemplateRoutes.Route r : routes) {
                assertNull(r.match(path), r.routeKey() + " would take " + path);
            }
        }
        assertTrue(paths >= 10, "the page, its files, the config, the document and the docs' files");
    }
}
