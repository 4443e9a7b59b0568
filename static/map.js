/* The results page's map (#17), drawn over the list as progressive enhancement.

   Without JavaScript (or without Leaflet) the map's section stays hidden and the list is the
   whole page. The points come from the page itself: each card's data-lat, data-lon and data-n
   (its number in the list), the searched place from the section's data-lat and data-lon; the
   tiles and their credit from data-tiles and data-attribution (FINDER_MAP_TILES). No inline
   script: the Content-Security-Policy allows none. With no tiles reachable the markers still
   show, on a plain background. */
(function () {
  "use strict";
  if (!window.L) {
    return;
  }

  function text(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    node.textContent = content;
    return node;
  }

  function popup(item) {
    var link = item.querySelector(".practice-name a");
    var box = document.createElement("div");
    var name = document.createElement("a");
    name.href = link.href;
    name.textContent = link.textContent;
    box.appendChild(name);
    box.appendChild(text("p", "map-popup-distance", item.querySelector(".distance").textContent));
    return box;
  }

  function draw(section) {
    var layout = section.closest(".results-layout");
    var items = layout.querySelectorAll("ol.results > li[data-lat]");
    section.hidden = false;
    layout.classList.add("results-layout--map");

    var map = L.map(section.querySelector(".map"), { scrollWheelZoom: false });
    L.tileLayer(section.dataset.tiles, {
      attribution: section.dataset.attribution,
      maxZoom: 19,
    }).addTo(map);

    var origin = [parseFloat(section.dataset.lat), parseFloat(section.dataset.lon)];
    var points = [origin];
    items.forEach(function (item) {
      points.push([parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)]);
    });
    // The view first: Leaflet puts a marker in the page only once the map has one.
    map.fitBounds(points, { padding: [24, 24], maxZoom: 15 });

    L.marker(origin, {
      icon: L.divIcon({ className: "map-origin", iconSize: [22, 22] }),
      interactive: false,
      keyboard: false,
      zIndexOffset: -1000,
    }).addTo(map);
    items.forEach(function (item, i) {
      var name = item.querySelector(".practice-name").textContent.trim();
      var marker = L.marker(points[i + 1], {
        icon: L.divIcon({
          className: "map-marker",
          html: text("span", "", item.dataset.n),
          iconSize: [28, 28],
        }),
        title: item.dataset.n + ". " + name,
        riseOnHover: true,
      }).addTo(map);
      marker.bindPopup(popup(item));
      marker.getElement().setAttribute("aria-label", item.dataset.n + ". " + name);
    });
  }

  document.querySelectorAll(".results-map[data-tiles]").forEach(draw);
})();
