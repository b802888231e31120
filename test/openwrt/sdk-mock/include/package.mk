# Stand-in for the OpenWrt SDK's include/package.mk: unpacks PKG_SOURCE from
# DL_DIR, then runs Build/Prepare, Build/Compile and Package/<name>/install
# into $(TOPDIR)/root, with the same two expansions of those recipes as the
# real one (a call inside $(eval ...), then the recipe itself).
PKG_BUILD_DIR ?= $(BUILD_DIR)/$(PKG_NAME)-$(PKG_VERSION)
define Build/Prepare/Default
	rm -rf $(PKG_BUILD_DIR) && mkdir -p $(BUILD_DIR) && $(TAR) -C $(BUILD_DIR) -xzf $(DL_DIR)/$(PKG_SOURCE)
endef
define Download
endef
define BuildPackage
$(eval $(Package/$(1)))
all:
	$(Build/Prepare)
	$(Build/Compile)
	rm -rf $(TOPDIR)/root
	$(call Package/$(1)/install,$(TOPDIR)/root)
	printf '%s\n' $(strip $(Package/$(1)/conffiles)) > $(TOPDIR)/conffiles
	printf '%s\n' '$(SECTION)' '$(CATEGORY)' '$(strip $(DEPENDS))' '$(strip $(CONFLICTS))' > $(TOPDIR)/package-fields
endef
