// กิจกรรม: the person picker, "ใช้ตำแหน่งปัจจุบัน", and the projector's full-screen button.
//   <div data-picker data-name="responsible" [data-multiple]>   a search box (htmx fills .suggestions
//       <ul data-chips>…</ul> <input type="search"> <div class="suggestions">   with buttons
//                                   data-pick-id/-name/-unit); a tap adds a chip with a hidden input
//                                   name=<data-name> value=<staff id>; [data-unpick] removes one
//   <button data-geolocate>         fills #latitude, #longitude (and #radius_m if empty) from the device
//   <button data-fullscreen>        the projector page full screen
(function () {
  "use strict";

  function chip(picker, id, name, unit) {
    var item = document.createElement("li");
    item.className = "chip";
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = picker.getAttribute("data-name");
    input.value = id;
    var label = document.createElement("span");
    label.textContent = name + " ";
    var small = document.createElement("small");
    small.textContent = unit;
    label.appendChild(small);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.setAttribute("data-unpick", "");
    remove.setAttribute("aria-label", "นำ " + name + " ออก");
    remove.title = "นำออก";
    remove.textContent = "×";
    item.appendChild(input);
    item.appendChild(label);
    item.appendChild(remove);
    return item;
  }

  function pick(button) {
    var picker = button.closest("[data-picker]");
    if (!picker) { return; }
    var chips = picker.querySelector("[data-chips]");
    var id = button.getAttribute("data-pick-id");
    var taken = Array.prototype.some.call(chips.querySelectorAll("input"), function (input) {
      return input.value === id;
    });
    if (!picker.hasAttribute("data-multiple")) {
      chips.innerHTML = "";
      taken = false;
    }
    if (!taken) {
      chips.appendChild(chip(picker, id, button.getAttribute("data-pick-name"), button.getAttribute("data-pick-unit")));
    }
    var search = picker.querySelector("input[type=search]");
    var suggestions = picker.querySelector(".suggestions");
    if (suggestions) { suggestions.innerHTML = ""; }
    if (search) {
      search.value = "";
      search.focus();
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-pick-id],[data-unpick],[data-geolocate],[data-fullscreen]") : null;
    if (!target) { return; }
    if (target.hasAttribute("data-pick-id")) {
      event.preventDefault();
      pick(target);
    } else if (target.hasAttribute("data-unpick")) {
      event.preventDefault();
      var item = target.closest(".chip");
      if (item) { item.remove(); }
    } else if (target.hasAttribute("data-geolocate")) {
      event.preventDefault();
      locate(target);
    } else if (target.hasAttribute("data-fullscreen")) {
      event.preventDefault();
      fullscreen();
    }
  });

  // Enter in a picker's search box picks the first suggestion instead of sending the whole form.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.closest || !field.closest("[data-picker]") || field.type !== "search") { return; }
    event.preventDefault();
    var first = field.closest("[data-picker]").querySelector(".suggestions [data-pick-id]:not([disabled])");
    if (first) { pick(first); }
  });

  function locate(button) {
    var status = document.querySelector("[data-geo-status]");
    function say(text) { if (status) { status.textContent = text; } }
    if (!navigator.geolocation) {
      say("เบราว์เซอร์นี้ไม่รองรับการหาตำแหน่ง กรุณากรอกพิกัดเอง");
      return;
    }
    button.disabled = true;
    say("กำลังหาตำแหน่ง…");
    navigator.geolocation.getCurrentPosition(function (position) {
      button.disabled = false;
      var lat = document.getElementById("latitude");
      var lon = document.getElementById("longitude");
      var radius = document.getElementById("radius_m");
      if (lat) { lat.value = position.coords.latitude.toFixed(6); }
      if (lon) { lon.value = position.coords.longitude.toFixed(6); }
      if (radius && !radius.value) { radius.value = "200"; }
      say("ใส่ตำแหน่งปัจจุบันแล้ว (คลาดเคลื่อนประมาณ " + Math.round(position.coords.accuracy) + " เมตร)");
    }, function (error) {
      button.disabled = false;
      say(error.code === 1 ? "ไม่ได้รับอนุญาตให้ใช้ตำแหน่ง กรุณาอนุญาตในเบราว์เซอร์ หรือกรอกพิกัดเอง"
                           : "หาตำแหน่งไม่ได้ กรุณาลองอีกครั้ง หรือกรอกพิกัดเอง");
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
  }

  function fullscreen() {
    var root = document.documentElement;
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (root.requestFullscreen) {
      root.requestFullscreen().catch(function () { /* the browser said no: the page still fills the window */ });
    }
  }
}());
