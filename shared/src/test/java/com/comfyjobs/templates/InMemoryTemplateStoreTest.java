package com.comfyjobs.templates;

import com.comfyjobs.templates.memory.InMemoryTemplateStore;

class InMemoryTemplateStoreTest extends TemplateStoreContract {
    @Override
    protected TemplateStore newStore() {
        return new InMemoryTemplateStore();
    }
}
