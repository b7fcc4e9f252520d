# Sourced by the guest smoke tests.  Prints the DRM driver behind a
# /sys/class/drm/cardN directory; card numbers are not stable, drivers are.
# virtio-gpu's card hangs off a virtio-pci device whose virtio child carries the
# virtio_gpu driver; vgem and vkms register platform devices named after
# themselves that no platform driver is bound to.
drm_driver() {
    d=$(readlink "$1/device/driver")
    case "${d##*/}" in
        virtio-pci) d=$(readlink "$1"/device/virtio*/driver) ;;
        "") d=$(readlink -f "$1/device") ;;
    esac
    echo "${d##*/}"
}

# Prints the cardN name driven by driver $1, or nothing.
drm_card_for() {
    for card in /sys/class/drm/card[0-9]*; do
        case "${card##*/}" in *-*) continue ;; esac
        if [ "$(drm_driver "$card")" = "$1" ]; then
            echo "${card##*/}"
            return 0
        fi
    done
    return 1
}
