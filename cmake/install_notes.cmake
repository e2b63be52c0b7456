# cmake/install_notes.cmake - runs last in `cmake --install`: when libdorm.so
# went where the dynamic linker does not look, says how programs find it
# (and how pkg-config and CMake find dorm); when it went where the linker
# looks, refreshes the linker's cache (as root), so that a program runs at
# once.  Nothing is said or done for a staged install (DESTDIR).
if(DEFINED ENV{DESTDIR} AND NOT "$ENV{DESTDIR}" STREQUAL "")
    return()
endif()
if(IS_ABSOLUTE "${DORM_INSTALL_LIBDIR}")
    set(libdir "${DORM_INSTALL_LIBDIR}")
else()
    set(libdir "${CMAKE_INSTALL_PREFIX}/${DORM_INSTALL_LIBDIR}")
endif()
file(REAL_PATH "${libdir}" libdir)
file(GLOB shared "${libdir}/libdorm.so")
if(NOT shared)
    return()
endif()

# The dynamic linker's folders: its built-in ones and those of ld.so.conf.d.
set(linker_dirs /lib /usr/lib /lib64 /usr/lib64)
file(GLOB arch_dirs /lib/*-linux-gnu* /usr/lib/*-linux-gnu*)
list(APPEND linker_dirs ${arch_dirs})
file(GLOB confs /etc/ld.so.conf.d/*.conf)
foreach(conf IN LISTS confs)
    file(STRINGS "${conf}" lines REGEX "^/")
    list(APPEND linker_dirs ${lines})
endforeach()
set(found FALSE)
foreach(dir IN LISTS linker_dirs)
    if(EXISTS "${dir}")
        file(REAL_PATH "${dir}" dir)
        if(dir STREQUAL libdir)
            set(found TRUE)
        endif()
    endif()
endforeach()

if(found)
    find_program(ldconfig ldconfig PATHS /sbin /usr/sbin)
    execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(ldconfig AND uid STREQUAL "0")
        execute_process(COMMAND ${ldconfig})
    endif()
    return()
endif()
message(STATUS "dorm: libdorm.so is in ${libdir}, where the dynamic linker does not look.
  pkg-config:  PKG_CONFIG_PATH=${libdir}/pkgconfig cc app.c $(pkg-config --cflags --libs dorm) -Wl,-rpath,${libdir}
               (or run programs with LD_LIBRARY_PATH=${libdir})
  CMake:       cmake -DCMAKE_PREFIX_PATH=${CMAKE_INSTALL_PREFIX} ...   (find_package(dorm) sets the rpath itself)")
