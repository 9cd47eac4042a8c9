# micropython-lib, unpacked from the vendored tarball (sha256-checked), for
# the tests that run its packages unchanged on uaio: tests/py/aioespnow.py
# finds it through UAIO_MPLIB.
MPLIB_REV    ?= 8380c7b
MPLIB_VENDOR ?= $(or $(UAIO_VENDOR),../shared/vendor)
MPLIB_DIR    := $(abspath $(BUILD))/mplib/$(MPLIB_REV)
export UAIO_MPLIB := $(MPLIB_DIR)/micropython-lib

.PHONY: mplib
mplib: $(MPLIB_DIR)/micropython-lib/README.md
$(MPLIB_DIR)/micropython-lib/README.md:
	cd $(MPLIB_VENDOR) && grep ' micropython-lib-$(MPLIB_REV).tar.xz$$' SHA256SUMS | sha256sum -c --quiet -
	mkdir -p $(MPLIB_DIR) && tar -xJf $(MPLIB_VENDOR)/micropython-lib-$(MPLIB_REV).tar.xz -C $(MPLIB_DIR)
	touch $@

test-py: mplib
