# cmake/uninstall.cmake - `cmake -DMANIFEST=<build>/install_manifest.txt -P`:
# removes every file the last install from that build folder wrote, then
# dorm's own folders (include/dorm, lib/cmake/dorm, share/doc/dorm) once
# empty; folders dorm shares with others (lib, include) are left alone.
if(NOT EXISTS "${MANIFEST}")
    message(FATAL_ERROR "dorm uninstall: ${MANIFEST} not found: nothing was installed from this build folder")
endif()
file(STRINGS "${MANIFEST}" files)
set(dirs "")
foreach(file IN LISTS files)
    if(EXISTS "${file}" OR IS_SYMLINK "${file}")
        message(STATUS "Removing: ${file}")
        file(REMOVE "${file}")
    endif()
    get_filename_component(dir "${file}" DIRECTORY)
    if(dir MATCHES "/(include/dorm(/sys)?|cmake/dorm|doc/dorm)$")
        list(APPEND dirs "${dir}")
    endif()
endforeach()
# Deepest first, so that include/dorm/sys goes before include/dorm.
list(REMOVE_DUPLICATES dirs)
list(SORT dirs ORDER DESCENDING)
foreach(dir IN LISTS dirs)
    file(GLOB left "${dir}/*")
    if(IS_DIRECTORY "${dir}" AND NOT left)
        message(STATUS "Removing: ${dir}/")
        file(REMOVE_RECURSE "${dir}")
    endif()
endforeach()
